import WeightKitCheckpoints
import WeightKitCompute

/// A BERT-family encoder's hyper-parameters (BERT, RoBERTa, DistilBERT), read from a Hugging Face
/// config.json in the spelling of its `model_type`.
public struct BertConfig: Sendable, Equatable {
    /// Which BERT-family graph: `.bert`, `.roberta` or `.distilbert`.
    public var kind: GraphKind = .bert
    /// RoBERTa's padding index (`pad_token_id`): where its position ids start.
    public var paddingIdx = 1
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

    public init(
        vocabSize: Int, hiddenSize: Int, numLayers: Int, numHeads: Int, intermediateSize: Int,
        maxPositions: Int, typeVocabSize: Int, activation: Kernels.Activation = .geluExact,
        layerNormEps: Float = 1e-12, maskValue: Float = -Float.greatestFiniteMagnitude, numLabels: Int? = nil
    ) {
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

    /// The architecture computed for this config.
    public var architecture: BertArchitecture { kind.bertArchitecture ?? .bert }

    /// Position rows before the first token's: RoBERTa's positions start after the padding index
    /// (`padding_idx + 1`), BERT's at 0.
    public var positionOffset: Int { architecture.positions == .afterPadding ? paddingIdx + 1 : 0 }

    /// The longest sequence the position table holds, specials included.
    public var maxSequenceLength: Int { maxPositions - positionOffset }

    /// What a config.json does not describe, or describes wrongly, one case per rule.
    public enum Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        case missingInteger(key: String, graph: String)
        case notBertFamily(modelType: String)
        case unsupportedActivation(key: String, value: String)
        case sinusoidalPositions
        case headsDoNotDivide(hidden: Int, heads: Int)

        public var description: String {
            switch self {
            case let .missingInteger(k, g):
                return g == "bert" ? "config has no integer '\(k)'" : "\(g) config has no integer '\(k)'"
            case let .notBertFamily(t):
                return "model_type '\(t)' is not a BERT-family model (bert, roberta, xlm-roberta, distilbert)"
            case let .unsupportedActivation(k, v): return "\(k) '\(v)' is not supported"
            case .sinusoidalPositions:
                return "sinusoidal_pos_embds true is not supported (DistilBERT's learned position embeddings are)"
            case let .headsDoNotDivide(h, n): return "hidden_size \(h) is not a multiple of num_attention_heads \(n)"
            }
        }
    }

    /// The BERT-family graph a config.json's `model_type` names (nil when it names none, or another).
    public static func kind(modelType: String?) -> GraphKind? {
        switch modelType {
        case "bert": return .bert
        case "roberta", "xlm-roberta": return .roberta
        case "distilbert": return .distilbert
        default: return nil
        }
    }

    /// From a Hugging Face config.json object (BertConfig, RobertaConfig / XLMRobertaConfig or
    /// DistilBertConfig spelling, by its `model_type`; a config without one is read as BERT's).
    public init(huggingFace c: JSONValue) throws {
        func int(_ k: String, _ d: Int? = nil) throws -> Int {
            if let v = c[k]?.intValue { return v }
            if let d { return d }
            throw Invalid.missingInteger(key: k, graph: "bert")
        }
        let modelType = c["model_type"]?.stringValue
        guard let kind = modelType == nil ? .bert : BertConfig.kind(modelType: modelType) else {
            throw Invalid.notBertFamily(modelType: modelType ?? "")
        }
        let distil = kind == .distilbert
        let actKey = distil ? "activation" : "hidden_act"
        let act: Kernels.Activation
        switch c[actKey]?.stringValue ?? "gelu" {
        case "gelu": act = .geluExact
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": act = .geluTanh
        case "relu": act = .relu
        case let other: throw Invalid.unsupportedActivation(key: actKey, value: other)
        }
        var labels: Int? = c["num_labels"]?.intValue
        if labels == nil, let m = c["id2label"]?.objectValue { labels = m.count }
        if distil {
            if c["sinusoidal_pos_embds"]?.boolValue == true {
                throw Invalid.sinusoidalPositions
            }
            // DistilBERT's LayerNorms use eps 1e-12, fixed in the modelling code, not in the config.
            self.init(
                vocabSize: try int("vocab_size"), hiddenSize: try int("dim"), numLayers: try int("n_layers"),
                numHeads: try int("n_heads"), intermediateSize: try int("hidden_dim"),
                maxPositions: try int("max_position_embeddings", 512), typeVocabSize: 0,
                activation: act, layerNormEps: 1e-12, numLabels: labels)
        } else {
            self.init(
                vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
                numLayers: try int("num_hidden_layers"),
                numHeads: try int("num_attention_heads"), intermediateSize: try int("intermediate_size"),
                maxPositions: try int("max_position_embeddings", 512), typeVocabSize: try int("type_vocab_size", 2),
                activation: act, layerNormEps: Float(c["layer_norm_eps"]?.doubleValue ?? 1e-12), numLabels: labels)
        }
        self.kind = kind
        if kind == .roberta { paddingIdx = try int("pad_token_id", 1) }
        guard hiddenSize % numHeads == 0 else {
            throw Invalid.headsDoNotDivide(hidden: hiddenSize, heads: numHeads)
        }
    }
}
