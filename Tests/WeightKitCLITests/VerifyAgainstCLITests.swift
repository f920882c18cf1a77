import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// `verify CONVERTED --against ORIGINAL` with no Python (issue 18, first step): both read by
/// WeightKit, run through its graph on the same seeded inputs; the report is the drift the
/// conversion introduced.
@Suite("CLI: verify --against, no Python")
struct VerifyAgainstCLITests {
    static let bin = CLI.fixture("pytorch/tiny_bert_cls_bin")

    @Test("tf_model.h5 → --layout hf, and a Keras .keras → graph-ready .wkc: every output and layer equal")
    func lossless() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", CLI.fixture("keras/hf_bert"), "-o", dir + "/hf", "--layout", "hf").status == 0)
        let a = try CLI.run("verify", dir + "/hf", "--against", CLI.fixture("keras/hf_bert"))
        #expect(a.status == 0 && a.stdout.contains("no Python") && a.stdout.contains("hidden_states.2"), "\(a.stdout)")
        let keras = CLI.fixture("keras/textclf_k3.keras")
        #expect(try CLI.run("convert", keras, "-o", dir + "/clf.wkc", "--model", "text-classifier").status == 0)
        let b = try CLI.run("verify", dir + "/clf.wkc", "--against", keras, "--batch", "3x1")
        #expect(
            b.status == 0 && b.stdout.contains("transformer_block") && b.stdout.contains("probabilities"), "\(b.stdout)"
        )
    }

    @Test(".bin → safetensors f16: the drift f16 costs, per layer; within it at a matching atol; the bundle kept")
    func f16Drift() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", Self.bin, "-o", dir + "/f16.safetensors", "--dtype", "f16").status == 0)
        let args = [
            "verify", dir + "/f16.safetensors", "--against", Self.bin, "--config", Self.bin + "/config.json",
            "--batch", "4x24", "--seed", "7",
        ]
        let strict = try CLI.run(args + ["--keep-reference", dir + "/ref.safetensors"])
        #expect(strict.status == 1 && strict.stdout.contains("first divergence: hidden_states.0"), "\(strict.stdout)")
        let kept = try SafetensorsReader.open(dir + "/ref.safetensors", options: .init())
        #expect(kept.info(named: "input.input_ids")?.shape == [4, 24])
        #expect(try CLI.run(args + ["--atol", "0.02"]).status == 0)
    }

    @Test("a deliberately altered weight is caught, and the first diverging layer named")
    func alteredWeight() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", Self.bin, "-o", dir + "/plain.safetensors").status == 0)
        try Self.alter(
            dir + "/plain.safetensors", tensor: "bert.encoder.layer.1.output.dense.weight",
            to: dir + "/altered.safetensors")
        let r = try CLI.run(
            "verify", dir + "/altered.safetensors", "--against", Self.bin, "--config", Self.bin + "/config.json")
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("first divergence: hidden_states.2"), "\(r.stdout)")
        #expect(r.stdout.contains("hidden_states.1     ok"), "\(r.stdout)")
    }

    /// A copy of a safetensors file with one value of `tensor` moved by 0.05 (a layer-1 weight:
    /// the first diverging output is hidden_states.2).
    static func alter(_ path: String, tensor target: String, to out: String) throws {
        let source = try SafetensorsReader.open(path, options: .init())
        var outputs: [OutputTensor] = []
        for info in source.tensors {
            var view = try source.view(info)
            if info.name == target {
                let owned = OwnedBytes(count: info.byteCount)
                owned.buffer.copyMemory(from: view.bytes)
                let f = owned.buffer.baseAddress!.assumingMemoryBound(to: Float.self)
                f[5] += 0.05
                view = TensorView(
                    info: info, bytes: UnsafeRawBufferPointer(rebasing: owned.buffer[0..<info.byteCount]), owner: owned)
            }
            outputs.append(OutputTensor(view))
        }
        #expect(source.tensors.contains { $0.name == target }, "\(path) has no \(target)")
        try SafetensorsWriter.write(outputs, to: out)
    }

    /// Verifies a copy of `model` with one value of `tensor` moved (`alter`) against `reference`
    /// (plus `extra` arguments): it must fail, with the first divergence at `divergence`.
    static func expectAlteredCaught(
        _ model: String, tensor: String, reference: String, divergence: String, extra: [String] = []
    ) throws {
        let altered = try CLI.scratch() + "/altered.safetensors"
        try alter(model, tensor: tensor, to: altered)
        let bad = try CLI.run(["verify", altered, "--reference", reference] + extra)
        #expect(bad.status == 1 && bad.stdout.contains("first divergence: \(divergence)"), "\(bad.stdout)\(bad.stderr)")
    }

    @Test("usage: exactly one of --reference and --against")
    func usage() throws {
        #expect(try CLI.run("verify", Self.bin).status != 0)
        let r = try CLI.run(
            "verify", Self.bin, "--against", Self.bin, "--reference",
            CLI.fixture("references/tiny_bert_pt.reference.safetensors"))
        #expect(r.status != 0 && r.stderr.contains("one of --reference BUNDLE or --against SOURCE"))
    }
}
