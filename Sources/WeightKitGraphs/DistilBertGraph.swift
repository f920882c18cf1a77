/// DistilBERT (Hugging Face `DistilBertModel`, `DistilBertForSequenceClassification`): BERT's
/// post-norm encoder under its own names (`q_lin`, `sa_layer_norm`, `ffn.lin1`, …), no token types,
/// no pooler, and a head on the first token (`pre_classifier` + ReLU + `classifier`).
extension BertArchitecture {
    public static let distilbert = BertArchitecture(
        kind: .distilbert, wordEmbeddings: "embeddings.word_embeddings",
        positionEmbeddings: "embeddings.position_embeddings",
        tokenTypeEmbeddings: nil, embeddingsNorm: "embeddings.LayerNorm", layerPrefix: "transformer.layer.",
        layer: .init(
            query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
            attentionOutput: "attention.out_lin",
            attentionNorm: "sa_layer_norm", intermediate: "ffn.lin1", output: "ffn.lin2",
            outputNorm: "output_layer_norm"),
        pooler: nil, head: .init(input: .firstToken, hidden: ("pre_classifier", .relu), output: "classifier"),
        positions: .fromZero,
        taskPrefix: "distilbert.")
}
