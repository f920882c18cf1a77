import WeightKitCheckpoints
import WeightKitCompute

/// BERT's hyper-parameters, read from a Hugging Face config.json (names as there).
public struct BertConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numLayers: Int
    public var numHeads: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var activation: Kernels.Activation
    public var layerNormEps: Float
    /// Added to attention scores at masked keys. Hugging Face PyTorch: the float32 minimum;
    /// Hugging Face TF: -10000; keras-hub: -1e9. Unmasked positions do not depend on it.
    public var maskValue: Float
    /// Number of labels of a sequence-classification head, when the checkpoint has one.
    public var numLabels: Int?

    public init(vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabSize: Int, activation: Kernels.Activation = .geluExact,
                layerNormEps: Float = 1e-12, maskValue: Float = -Float.greatestFiniteMagnitude, numLabels: Int? = nil) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.activation = activation
        self.layerNormEps = layerNormEps
        self.maskValue = maskValue
        self.numLabels = numLabels
    }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// From a Hugging Face config.json object.
    public init(huggingFace c: JSONValue) throws {
        func int(_ k: String, _ d: Int? = nil) throws -> Int {
            if let v = c[k]?.intValue { return v }
            if let d { return d }
            throw Invalid(description: "config has no integer '\(k)'")
        }
        let act: Kernels.Activation
        switch c["hidden_act"]?.stringValue ?? "gelu" {
        case "gelu": act = .geluExact
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": act = .geluTanh
        case "relu": act = .relu
        case let other: throw Invalid(description: "hidden_act '\(other)' is not supported")
        }
        var labels: Int? = c["num_labels"]?.intValue
        if labels == nil, let m = c["id2label"]?.objectValue { labels = m.count }
        self.init(vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"), numLayers: try int("num_hidden_layers"),
                  numHeads: try int("num_attention_heads"), intermediateSize: try int("intermediate_size"),
                  maxPositions: try int("max_position_embeddings", 512), typeVocabSize: try int("type_vocab_size", 2),
                  activation: act, layerNormEps: Float(c["layer_norm_eps"]?.doubleValue ?? 1e-12), numLabels: labels)
        guard hiddenSize % numHeads == 0 else { throw Invalid(description: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numHeads)") }
    }
}
