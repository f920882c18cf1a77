import WeightKitCompute
import WeightKitTokenizer

/// What distinguishes one BERT-family encoder from another: its parameter names (Hugging Face
/// PyTorch spelling, each written once here and used both for the parameter table and for
/// binding), where its positions start, and its classification head. `BertModel` computes every
/// family from this description; a new family is one value of this type in a graph file of its own.
public struct BertArchitecture: Sendable {
    /// Linear layer parameter prefixes (`<prefix>.weight` [out, in], `<prefix>.bias`).
    public struct Layer: Sendable {
        public var query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm: String
    }

    /// How position ids are made from the input ids.
    public enum Positions: Sendable {
        /// 0, 1, 2, … (BERT, DistilBERT).
        case fromZero
        /// RoBERTa's `create_position_ids_from_input_ids`: padding tokens get `padding_idx`, the
        /// others `padding_idx + 1 + (number of non-padding tokens before them)`.
        case afterPadding
    }

    /// The sequence-classification head: from the pooler output or the first token, through an
    /// optional hidden layer, to the labels.
    public struct Head: Sendable {
        /// What the head reads: the pooler output or the first token's hidden state.
        public enum Input: Sendable { case pooled, firstToken }
        public var input: Input
        public var hidden: (name: String, activation: Kernels.Activation)?
        public var output: String
    }

    public var kind: GraphKind
    /// How text becomes ids for this family (what `run --text` and text bundles use).
    public var tokenizer: TextTokenizerKind = .wordPiece
    public var wordEmbeddings, positionEmbeddings: String
    public var tokenTypeEmbeddings: String?
    public var embeddingsNorm: String
    /// Per-layer parameters live under `layerPrefix` + index + ".".
    public var layerPrefix: String
    public var layer: Layer
    public var pooler: String?
    public var head: Head
    public var positions: Positions
    /// The prefix a task model (a classifier) puts in front of the encoder's names.
    public var taskPrefix: String

    /// The name of per-layer parameter `suffix` in layer `l`.
    public func layerName(_ l: Int, _ suffix: String) -> String { layerPrefix + "\(l)." + suffix }
}

extension BertArchitecture {
    /// Hugging Face `BertModel` / `BertForSequenceClassification`.
    public static let bert = BertArchitecture(
        kind: .bert, wordEmbeddings: "embeddings.word_embeddings", positionEmbeddings: "embeddings.position_embeddings",
        tokenTypeEmbeddings: "embeddings.token_type_embeddings", embeddingsNorm: "embeddings.LayerNorm",
        layerPrefix: "encoder.layer.",
        layer: .init(
            query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
            attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
            intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm"),
        pooler: "pooler.dense", head: .init(input: .pooled, hidden: nil, output: "classifier"), positions: .fromZero,
        taskPrefix: "bert.")
}
