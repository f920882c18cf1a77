import Foundation
import Testing
import WeightKitTestSupport
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
@testable import WeightKitGraphs

enum GraphFixture {
    static let root = TestFixtures.root
    static func path(_ rel: String) -> String { root + "/Fixtures/" + rel }
}

/// Hugging Face PyTorch names, with or without the "bert." prefix of task models — the small
/// explicit name table the graph tests use until the mapper exists.
struct HuggingFacePyTorchNames: ParameterSource {
    let checkpoint: any Checkpoint
    func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        for candidate in [name, "bert." + name] {
            if let info = checkpoint.info(named: candidate) { return (try checkpoint.view(info), .outIn) }
        }
        return nil
    }
}

/// A reference bundle's inputs and outputs (Fixtures/references, written with PyTorch).
struct Bundle {
    let checkpoint: any Checkpoint
    init(_ path: String) throws { checkpoint = try Checkpoints.open(path) }

    func ints(_ name: String) throws -> [[Int]]? {
        guard let info = checkpoint.info(named: "input." + name) else { return nil }
        let v = try checkpoint.view(info)
        let values = try v.float32Array().map { Int($0) }
        let cols = v.shape[1]
        return stride(from: 0, to: values.count, by: cols).map { Array(values[$0..<($0 + cols)]) }
    }

    var outputNames: [String] {
        checkpoint.tensors.map(\.name).filter { $0.hasPrefix("output.") }.map { String($0.dropFirst(7)) }
    }

    func output(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let v = try checkpoint.tensor(named: "output." + name)
        return (v.shape, try v.float32Array())
    }
}

/// Runs a BERT on a bundle's inputs; returns, per output the bundle holds, the max abs error
/// (token outputs where the mask is 1).
func bertErrors(_ model: BertModel, bundle path: String, outputs: [String]? = nil) throws -> [String: Float] {
    let bundle = try Bundle(path)
    guard let ids = try bundle.ints("input_ids"), let mask = try bundle.ints("attention_mask") else {
        throw CocoaError(.fileReadCorruptFile)
    }
    let names = outputs ?? bundle.outputNames
    // TF-Hub's output names (the TensorFlow fixtures keep them) for ours.
    func ours(_ n: String) -> String {
        if n == "sequence_output" { return "last_hidden_state" }
        if n == "pooled_output" { return "pooler_output" }
        if n.hasPrefix("encoder_outputs."), let i = Int(n.dropFirst(16)) { return "hidden_states.\(i + 1)" }
        return n
    }
    let out = try model.forward(
        .init(inputIds: ids, attentionMask: mask, tokenTypeIds: try bundle.ints("token_type_ids")),
        outputs: Set(names.map(ours)))
    var errors: [String: Float] = [:]
    for n in names {
        guard let got = out[ours(n)] else { errors[n] = .infinity; continue }
        errors[n] = maxAbsError(got, try bundle.output(n), mask: mask)
    }
    return errors
}

/// Max |a − e| over positions where the mask is 1 (token outputs) or everywhere.
func maxAbsError(_ got: GraphOutput, _ want: (shape: [Int], values: [Float]), mask: [[Int]]) -> Float {
    var worst: Float = 0
    if want.shape.count == 3 {
        let (B, S, H) = (want.shape[0], want.shape[1], want.shape[2])
        for b in 0..<B {
            for s in 0..<S where mask[b][s] == 1 {
                for h in 0..<H {
                    let i = (b * S + s) * H + h
                    worst = max(worst, abs(got.values[i] - want.values[i]))
                }
            }
        }
    } else {
        for (a, e) in zip(got.values, want.values) { worst = max(worst, abs(a - e)) }
    }
    return worst
}

@Suite("BERT graph against PyTorch + transformers")
struct BertGraphTests {
    @Test("a GEMM library is found and named")
    func gemmBackend() throws {
        try GEMM.load()
        #expect(GEMM.backend.contains("sgemm"))
    }

    @Test(
        "every output matches the reference within 1e-5 (token outputs where the mask is 1)",
        arguments: ["tiny_bert_pt", "tiny_bert_cls_pt"])
    func matchesPyTorch(_ name: String) throws {
        let dir = GraphFixture.path("references/" + name)
        let checkpoint = try Checkpoints.open(dir + "/model.safetensors")
        let config = try BertConfig(huggingFace: try #require(checkpoint.modelConfig))
        let model = try BertModel(config: config, source: HuggingFacePyTorchNames(checkpoint: checkpoint))
        let bundle = try Bundle(GraphFixture.path("references/\(name).reference.safetensors"))
        let ids = try #require(try bundle.ints("input_ids"))
        let mask = try #require(try bundle.ints("attention_mask"))
        let inputs = BertModel.Inputs(
            inputIds: ids, attentionMask: mask, tokenTypeIds: try bundle.ints("token_type_ids"))
        let names = bundle.outputNames
        #expect(!names.isEmpty)
        let out = try model.forward(inputs, outputs: Set(names))
        for n in names {
            let got = try #require(out[n], "graph did not produce \(n)")
            let want = try bundle.output(n)
            #expect(got.shape == want.shape, "\(n)")
            let err = maxAbsError(got, want, mask: mask)
            #expect(err <= 1e-5, "\(name) \(n): max abs error \(err)")
        }
    }

    @Test("a missing and a mis-shaped parameter are both named")
    func bindingErrors() throws {
        let checkpoint = try Checkpoints.open(GraphFixture.path("references/tiny_bert_pt/model.safetensors"))
        var config = try BertConfig(huggingFace: try #require(checkpoint.modelConfig))
        config.intermediateSize = 40
        struct Dropping: ParameterSource {
            let inner: HuggingFacePyTorchNames
            func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
                name == "encoder.layer.1.attention.self.key.bias" ? nil : try inner.tensor(for: name)
            }
        }
        #expect {
            _ = try BertModel(config: config, source: Dropping(inner: HuggingFacePyTorchNames(checkpoint: checkpoint)))
        } throws: { e in
            guard let b = e as? ParameterBindingError else { return false }
            return b.problems.contains(.missing("encoder.layer.1.attention.self.key.bias"))
                && b.problems.contains(
                    .shapeMismatch("encoder.layer.0.intermediate.dense.weight", expected: [40, 32], found: [37, 32]))
        }
    }

    @Test("bad inputs are refused with a reason", arguments: [[[Int]](), [[1, 2], [3]], [[1, 500]]])
    func badInputs(_ ids: [[Int]]) throws {
        let checkpoint = try Checkpoints.open(GraphFixture.path("references/tiny_bert_pt/model.safetensors"))
        let model = try BertModel(
            config: try BertConfig(huggingFace: checkpoint.modelConfig!),
            source: HuggingFacePyTorchNames(checkpoint: checkpoint))
        #expect(throws: BertModel.InvalidInput.self) {
            _ = try model.forward(.init(inputIds: ids), outputs: ["last_hidden_state"])
        }
    }
}
