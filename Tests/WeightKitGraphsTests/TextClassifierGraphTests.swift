import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
@testable import WeightKitGraphs

/// Explicit name tables for the fixtures (the mapper issue replaces them with detection).
struct FixedNames: ParameterSource {
    let checkpoint: any Checkpoint
    let table: [String: String]
    func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        guard let source = table[name], let info = checkpoint.info(named: source) else { return nil }
        return (try checkpoint.view(info), .inOut)
    }

    /// Keras 3 `.weights.h5` / `.keras` paths (attribute names; `_query_dense` in tf_keras archives).
    static func keras3(_ c: any Checkpoint, privateMHA: Bool = false) -> FixedNames {
        let mha = privateMHA ? "_" : ""
        var t: [String: String] = [
            "embedding.token": "layers/token_and_position_embedding/token_emb/vars/0",
            "embedding.position": "layers/token_and_position_embedding/pos_emb/vars/0",
            "block.attention.output.kernel": "layers/transformer_block/att/\(mha)output_dense/vars/0",
            "block.attention.output.bias": "layers/transformer_block/att/\(mha)output_dense/vars/1",
            "block.ffn.0.kernel": "layers/transformer_block/ffn/layers/dense/vars/0",
            "block.ffn.0.bias": "layers/transformer_block/ffn/layers/dense/vars/1",
            "block.ffn.1.kernel": "layers/transformer_block/ffn/layers/dense_1/vars/0",
            "block.ffn.1.bias": "layers/transformer_block/ffn/layers/dense_1/vars/1",
            "block.norm1.gamma": "layers/transformer_block/layernorm1/vars/0", "block.norm1.beta": "layers/transformer_block/layernorm1/vars/1",
            "block.norm2.gamma": "layers/transformer_block/layernorm2/vars/0", "block.norm2.beta": "layers/transformer_block/layernorm2/vars/1",
            "hidden.kernel": "layers/dense/vars/0", "hidden.bias": "layers/dense/vars/1",
            "output.kernel": "layers/dense_1/vars/0", "output.bias": "layers/dense_1/vars/1",
        ]
        for n in ["query", "key", "value"] {
            t["block.attention.\(n).kernel"] = "layers/transformer_block/att/\(mha)\(n)_dense/vars/0"
            t["block.attention.\(n).bias"] = "layers/transformer_block/att/\(mha)\(n)_dense/vars/1"
        }
        return FixedNames(checkpoint: c, table: t)
    }

    /// Keras 2 legacy `.h5`: positional — the k-th weight of each layer in the file's order.
    static func keras2Legacy(_ c: any Checkpoint) -> FixedNames {
        let order = ["embedding.token", "embedding.position",
                     "block.attention.query.kernel", "block.attention.query.bias", "block.attention.key.kernel", "block.attention.key.bias",
                     "block.attention.value.kernel", "block.attention.value.bias", "block.attention.output.kernel", "block.attention.output.bias",
                     "block.ffn.0.kernel", "block.ffn.0.bias", "block.ffn.1.kernel", "block.ffn.1.bias",
                     "block.norm1.gamma", "block.norm1.beta", "block.norm2.gamma", "block.norm2.beta",
                     "hidden.kernel", "hidden.bias", "output.kernel", "output.bias"]
        return FixedNames(checkpoint: c, table: Dictionary(uniqueKeysWithValues: zip(order, c.tensors.map(\.name))))
    }
}

@Suite("Keras text-classifier graph against Keras 3 and tf_keras")
struct TextClassifierGraphTests {
    static let config = TextClassifierConfig(vocabSize: 1000, maxLength: 64, embedDim: 32, numHeads: 2, keyDim: 32,
                                             feedForwardDim: 32, hiddenUnits: 20, numClasses: 4, layerNormEps: 1e-6)

    @Test("every output and intermediate matches the framework within 1e-5", arguments: [
        ("keras/textclf_k3.weights.h5", "keras/textclf_k3.reference.safetensors", "k3"),
        ("keras/textclf_k3.keras", "keras/textclf_k3.reference.safetensors", "k3"),
        ("keras/textclf_k3_legacy.h5", "keras/textclf_k3.reference.safetensors", "legacy"),
        ("keras/textclf_k2_weights.h5", "keras/textclf_k2.reference.safetensors", "legacy"),
        ("keras/textclf_k2.keras", "keras/textclf_k2.reference.safetensors", "k2archive"),
    ])
    func matchesKeras(_ c: (String, String, String)) throws {
        let checkpoint = try Checkpoints.open(GraphFixture.path(c.0))
        let source: FixedNames
        switch c.2 {
        case "k3": source = .keras3(checkpoint)
        case "k2archive": source = .keras3(checkpoint, privateMHA: true)
        default: source = .keras2Legacy(checkpoint)
        }
        let model = try TextClassifierModel(config: Self.config, source: source)
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
}
