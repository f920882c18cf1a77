import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
@testable import WeightKitGraphs
@testable import WeightKitMapping

@Suite("Keras text-classifier graph against Keras 3 and tf_keras")
struct TextClassifierGraphTests {
    static let config = TextClassifierConfig(
        vocabSize: 1000, maxLength: 64, embedDim: 32, numHeads: 2, keyDim: 32,
        feedForwardDim: 32, hiddenUnits: 20, numClasses: 4, layerNormEps: 1e-6)

    @Test(
        "every variant maps (convention detected, config inferred from shapes) and matches the framework within 1e-5",
        arguments: [
            ("keras/textclf_k3.weights.h5", "keras/textclf_k3.reference.safetensors", Convention.keras3),
            ("keras/textclf_k3.keras", "keras/textclf_k3.reference.safetensors", .keras3),
            ("keras/textclf_k3_sharded.weights.json", "keras/textclf_k3.reference.safetensors", .keras3),
            ("keras/textclf_k3_legacy.h5", "keras/textclf_k3.reference.safetensors", .kerasLegacyPositional),
            ("keras/textclf_k2_weights.h5", "keras/textclf_k2.reference.safetensors", .kerasLegacyPositional),
            ("keras/textclf_k2.h5", "keras/textclf_k2.reference.safetensors", .kerasLegacyPositional),
            ("keras/textclf_k2.keras", "keras/textclf_k2.reference.safetensors", .tfKerasArchive),
            // tf_keras model.save_weights("ckpt") in TensorFlow format (a TF2 object-based bundle).
            ("tensorflow/textclf_k2_tf", "tensorflow/textclf_k2_tf.reference.safetensors", .tfKerasCheckpoint),
        ])
    func matchesKeras(_ c: (String, String, Convention)) throws {
        try Self.expectMatches(try Checkpoints.open(GraphFixture.path(c.0)), c)
    }

    @Test(
        "a plain conversion of a legacy .h5 (no --model) keeps what positional mapping needs",
        arguments: [
            "keras/textclf_k2.h5", "keras/textclf_k2_weights.h5", "keras/textclf_k3_legacy.h5",
        ])
    func plainConversionOfLegacyH5(_ rel: String) throws {
        let dir = NSTemporaryDirectory() + "weightkit-tc-plain-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference =
            rel.contains("k3") ? "keras/textclf_k3.reference.safetensors" : "keras/textclf_k2.reference.safetensors"
        for ext in ["wkc", "safetensors"] {
            let out = dir + "/plain." + ext
            _ = try Converter.convert(try Checkpoints.open(GraphFixture.path(rel)), to: out)
            try Self.expectMatches(try Checkpoints.open(out), (out, reference, .kerasLegacyPositional))
        }
    }

    static func expectMatches(_ checkpoint: any Checkpoint, _ c: (String, String, Convention)) throws {
        let report = TextClassifierMapper.map(checkpoint)
        #expect(report.convention == c.2)
        #expect(report.passed, "\(report.text)")
        #expect(report.textClassifierConfig == Self.config, "inferred config")
        let model = try TextClassifierModel(
            config: Self.config, source: MappedParameterSource(checkpoint: checkpoint, report: report))
        let bundle = try Bundle(GraphFixture.path(c.1))
        let ids = try #require(try bundle.ints("token_ids"))
        let out = try model.forward(tokenIds: ids, outputs: Set(TextClassifierModel.outputNames))
        let all = Array(repeating: Array(repeating: 1, count: 64), count: ids.count)
        #expect(Set(bundle.outputNames) == Set(TextClassifierModel.outputNames))
        for n in bundle.outputNames {
            let got = try #require(out[n])
            let want = try bundle.output(n)
            #expect(got.shape == want.shape, "\(n)")
            let err = maxAbsError(got, want, mask: all)
            #expect(err <= 1e-5, "\(c.0) \(n): max abs error \(err)")
        }
    }

    @Test(
        "a graph-ready text-classifier .wkc: canonical names, its own config (epsilon included), same outputs",
        arguments: [
            ("keras/textclf_k2.h5", "keras/textclf_k2.reference.safetensors"),
            ("keras/textclf_k3.keras", "keras/textclf_k3.reference.safetensors"),
        ])
    func graphReady(_ c: (String, String)) throws {
        let source = try Checkpoints.open(GraphFixture.path(c.0))
        let dir = NSTemporaryDirectory() + "weightkit-tc-ready-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The epsilon is not in Keras weight files: what conversion resolved (here given) must come
        // back from the .wkc itself, not from the mapper's default.
        var other = Self.config
        other.layerNormEps = 1e-3
        try GraphReadyWriter.writeTextClassifier(
            source, report: TextClassifierMapper.map(source, config: other), to: dir + "/eps.wkc")
        #expect(
            TextClassifierMapper.map(try Checkpoints.open(dir + "/eps.wkc")).textClassifierConfig?.layerNormEps == 1e-3)
        let given = Self.config
        try GraphReadyWriter.writeTextClassifier(
            source, report: TextClassifierMapper.map(source, config: given), to: dir + "/tc.wkc")
        let ready = try Checkpoints.open(dir + "/tc.wkc")
        let report = TextClassifierMapper.map(ready)
        #expect(report.convention == .graphReady && report.passed, "\(report.text)")
        #expect(
            report.configSource == "the .wkc model section" && report.textClassifierConfig == given
                && report.defaulted.isEmpty)
        #expect(ready.tensors.map(\.name) == TextClassifierModel.parameterTable(given).map(\.name))
        let model = try TextClassifierModel(
            config: try #require(report.textClassifierConfig),
            source: MappedParameterSource(checkpoint: ready, report: report))
        let bundle = try Bundle(GraphFixture.path(c.1))
        let ids = try #require(try bundle.ints("token_ids"))
        let out = try model.forward(tokenIds: ids, outputs: Set(TextClassifierModel.outputNames))
        let all = Array(repeating: Array(repeating: 1, count: 64), count: ids.count)
        for n in bundle.outputNames {
            let err = maxAbsError(try #require(out[n]), try bundle.output(n), mask: all)
            #expect(err <= 1e-5, "\(c.0) → graph-ready \(n): \(err)")
        }
    }

    @Test("a graph-ready text classifier whose model section config cannot be used fails the mapping, saying why")
    func unusableOwnConfig() throws {
        let dir = NSTemporaryDirectory() + "weightkit-tc-badcfg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try Checkpoints.open(GraphFixture.path("keras/textclf_k3.keras"))
        let report = TextClassifierMapper.map(source)
        let outputs = report.entries.filter { $0.status == .mapped }.map { e -> OutputTensor in
            let info = source.info(named: e.source!)!
            var target = info
            target.name = e.canonical
            return TensorTransforms.relabelled(source, info, as: target)
        }
        try GraphReadyWriter.write(
            outputs, from: source, report: report, architecture: "text-classifier",
            config: .object(["vocab_size": .int(1000)]), transforms: [], to: dir + "/bad.wkc", progress: nil)
        let mapped = TextClassifierMapper.map(try Checkpoints.open(dir + "/bad.wkc"))
        #expect(mapped.convention == .graphReady && !mapped.passed)
        #expect(mapped.configProblem?.contains("the .wkc model section's config") == true, "\(mapped.text)")
    }
}
