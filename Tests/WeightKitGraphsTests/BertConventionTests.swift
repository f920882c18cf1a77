import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
@testable import WeightKitGraphs

/// Hugging Face TF names (`…/encoder/layer_._N/…/kernel:0`, `[in, out]` kernels), matched by
/// suffix so the model-class prefix does not matter.
struct HuggingFaceTFNames: ParameterSource {
    let checkpoint: any Checkpoint
    func translate(_ n: String) -> String {
        var t = n.replacingOccurrences(of: ".", with: "/").replacingOccurrences(
            of: "encoder/layer/", with: "encoder/layer_._")
        if t.hasSuffix("word_embeddings/weight") { return t + ":0" }
        if t.hasSuffix("_embeddings/weight") { return String(t.dropLast("weight".count)) + "embeddings:0" }
        if t.contains("LayerNorm") {
            t = t.replacingOccurrences(of: "/weight", with: "/gamma").replacingOccurrences(of: "/bias", with: "/beta")
        }
        t = t.replacingOccurrences(of: "/weight", with: "/kernel")
        return t + ":0"
    }
    func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        let suffix = "/" + translate(name)
        guard let info = checkpoint.tensors.first(where: { $0.name.hasSuffix(suffix) }) else { return nil }
        return (try checkpoint.view(info), info.shape.count == 2 && !name.contains("embeddings") ? .inOut : .outIn)
    }
}

/// keras-hub BertBackbone `.weights.h5` paths (EinsumDense attention kernels kept 3-D).
struct KerasHubBertNames: ParameterSource {
    let checkpoint: any Checkpoint
    func path(_ n: String) -> String? {
        let fixed: [String: String] = [
            "embeddings.word_embeddings.weight": "layers/reversible_embedding/vars/0",
            "embeddings.position_embeddings.weight": "layers/position_embedding/vars/0",
            "embeddings.token_type_embeddings.weight": "layers/embedding/vars/0",
            "embeddings.LayerNorm.weight": "layers/layer_normalization/vars/0",
            "embeddings.LayerNorm.bias": "layers/layer_normalization/vars/1",
            "pooler.dense.weight": "layers/dense/vars/0", "pooler.dense.bias": "layers/dense/vars/1",
        ]
        if let f = fixed[n] { return f }
        let parts = n.split(separator: ".")
        guard parts.count > 3, parts[0] == "encoder", let l = Int(parts[2]) else { return nil }
        let layer = "layers/transformer_encoder" + (l == 0 ? "" : "_\(l)") + "/"
        let rest = parts[3...].joined(separator: ".")
        let table: [String: String] = [
            "attention.self.query": "_self_attention_layer/query_dense",
            "attention.self.key": "_self_attention_layer/key_dense",
            "attention.self.value": "_self_attention_layer/value_dense",
            "attention.output.dense": "_self_attention_layer/output_dense",
            "attention.output.LayerNorm": "_self_attention_layer_norm",
            "intermediate.dense": "_feedforward_intermediate_dense",
            "output.dense": "_feedforward_output_dense", "output.LayerNorm": "_feedforward_layer_norm",
        ]
        for (k, v) in table where rest.hasPrefix(k + ".") {
            return layer + v + "/vars/" + (rest.hasSuffix(".weight") ? "0" : "1")
        }
        return nil
    }
    func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        guard let p = path(name), let info = checkpoint.info(named: p) else { return nil }
        return (try checkpoint.view(info), .inOut)
    }
}

@Suite("BERT graph against TensorFlow (transformers) and keras-hub")
struct BertConventionTests {
    func check(_ model: BertModel, bundle path: String) throws {
        let bundle = try Bundle(path)
        let ids = try #require(try bundle.ints("input_ids"))
        let mask = try #require(try bundle.ints("attention_mask"))
        let out = try model.forward(
            .init(inputIds: ids, attentionMask: mask, tokenTypeIds: try bundle.ints("token_type_ids")),
            outputs: Set(bundle.outputNames))
        for n in bundle.outputNames {
            let got = try #require(out[n], "no \(n)")
            let err = maxAbsError(got, try bundle.output(n), mask: mask)
            #expect(err <= 1e-5, "\(path) \(n): max abs error \(err)")
        }
    }

    @Test(
        "TFBertModel and TFBertForSequenceClassification (tf_model.h5, kernels [in, out])",
        arguments: ["hf_bert", "hf_bert_cls"])
    func huggingFaceTF(_ name: String) throws {
        let c = try Checkpoints.open(GraphFixture.path("keras/\(name)"))
        var config = try BertConfig(huggingFace: try #require(c.modelConfig))
        config.maskValue = -10000  // transformers' TF BERT
        try check(
            try BertModel(config: config, source: HuggingFaceTFNames(checkpoint: c)),
            bundle: GraphFixture.path("keras/\(name).reference.safetensors"))
    }

    /// The tiny keras-hub BertBackbone of the fixtures (keras-hub: tanh GELU, mask −1e9).
    static func kerasHubConfig(_ activation: Kernels.Activation) -> BertConfig {
        BertConfig(
            vocabSize: 99, hiddenSize: 32, numLayers: 2, numHeads: 2, intermediateSize: 37, maxPositions: 24,
            typeVocabSize: 2, activation: activation, layerNormEps: 1e-12, maskValue: -1e9)
    }

    @Test("keras-hub BertBackbone: tanh-approximate GELU, 3-D EinsumDense kernels read in place")
    func kerasHub() throws {
        let c = try Checkpoints.open(GraphFixture.path("keras/kerashub_bert.weights.h5"))
        try check(
            try BertModel(config: Self.kerasHubConfig(.geluTanh), source: KerasHubBertNames(checkpoint: c)),
            bundle: GraphFixture.path("keras/kerashub_bert.reference.safetensors"))
    }

    @Test("on keras-hub weights the tanh GELU fits the reference better than the exact one")
    func wrongActivationFails() throws {
        let c = try Checkpoints.open(GraphFixture.path("keras/kerashub_bert.weights.h5"))
        func error(_ activation: Kernels.Activation) throws -> Float {
            let model = try BertModel(config: Self.kerasHubConfig(activation), source: KerasHubBertNames(checkpoint: c))
            return try #require(
                try bertErrors(
                    model, bundle: GraphFixture.path("keras/kerashub_bert.reference.safetensors"),
                    outputs: ["last_hidden_state"])["last_hidden_state"])
        }
        // Random initial weights keep activations small, where the two GELUs differ by ~1e-6;
        // the right one is still several times closer.
        let exact = try error(.geluExact), tanh = try error(.geluTanh)
        #expect(tanh * 3 < exact, "tanh \(tanh) vs exact \(exact)")
    }

    @Test(
        "contiguous reshapes",
        arguments: [
            ([32, 2, 16], [32, 32], true), ([2, 16, 32], [32, 32], true), ([2, 16], [32], true),
            ([32, 2, 16], [64, 16], true),
            ([32, 32], [32, 2, 16], false), ([4, 8], [8, 4], false), ([32, 31], [32, 32], false),
        ])
    func reshapes(_ c: ([Int], [Int], Bool)) {
        #expect(ParameterBinder.isContiguousReshape(c.0, to: c.1) == c.2)
    }
}
