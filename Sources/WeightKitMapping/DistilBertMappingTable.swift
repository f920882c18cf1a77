/// DistilBERT's parameters in Hugging Face PyTorch (`DistilBertModel` /
/// `DistilBertForSequenceClassification`, `distilbert.` prefix in task models) and Hugging Face TF
/// (`TFDistilBertModel`, `tf_distil_bert_…/distilbert/…:0`) spelling, one row per parameter,
/// every name written whole; and llama.cpp's GGUF names (its converter writes DistilBERT as a
/// `bert` GGUF without `token_types`; `pre_classifier` is `cls`).
public enum DistilBertMappingTable {
    public static let table = BertFamilyTable(
        kind: .distilbert, rows: rows, conventions: [.huggingFacePyTorch, .huggingFaceTF, .graphReady, .gguf],
        pyTorchPrefix: "distilbert.",
        tensorFlowClassPrefixes: ["tf_distil_bert"],
        ignorable: { name, convention in
            switch convention {
            // position_ids is a buffer; vocab_* are DistilBertForMaskedLM's head.
            case .huggingFacePyTorch: return name == "embeddings.position_ids" || name.hasPrefix("vocab_")
            case .huggingFaceTF: return name.hasPrefix("vocab_")
            default: return name.hasPrefix("optimizer") || name.hasPrefix("metrics/")
            }
        })

    static let rows: [MappingRow] = [
        .huggingFace(
            "embeddings.word_embeddings.weight", gguf: "token_embd.weight",
            tf: "distilbert/embeddings/word_embeddings/weight:0"),
        .huggingFace(
            "embeddings.position_embeddings.weight", gguf: "position_embd.weight",
            tf: "distilbert/embeddings/position_embeddings/embeddings:0"),
        .huggingFace(
            "embeddings.LayerNorm.weight", gguf: "token_embd_norm.weight", tf: "distilbert/embeddings/LayerNorm/gamma:0"
        ),
        .huggingFace(
            "embeddings.LayerNorm.bias", gguf: "token_embd_norm.bias", tf: "distilbert/embeddings/LayerNorm/beta:0"),
        .huggingFace(
            "transformer.layer.{layer}.attention.q_lin.weight",
            gguf: "blk.{layer}.attn_q.weight", tf: "distilbert/transformer/layer_._{layer}/attention/q_lin/kernel:0",
            linear: true),
        .huggingFace(
            "transformer.layer.{layer}.attention.q_lin.bias",
            gguf: "blk.{layer}.attn_q.bias", tf: "distilbert/transformer/layer_._{layer}/attention/q_lin/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.attention.k_lin.weight",
            gguf: "blk.{layer}.attn_k.weight", tf: "distilbert/transformer/layer_._{layer}/attention/k_lin/kernel:0",
            linear: true),
        .huggingFace(
            "transformer.layer.{layer}.attention.k_lin.bias",
            gguf: "blk.{layer}.attn_k.bias", tf: "distilbert/transformer/layer_._{layer}/attention/k_lin/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.attention.v_lin.weight",
            gguf: "blk.{layer}.attn_v.weight", tf: "distilbert/transformer/layer_._{layer}/attention/v_lin/kernel:0",
            linear: true),
        .huggingFace(
            "transformer.layer.{layer}.attention.v_lin.bias",
            gguf: "blk.{layer}.attn_v.bias", tf: "distilbert/transformer/layer_._{layer}/attention/v_lin/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.attention.out_lin.weight",
            gguf: "blk.{layer}.attn_output.weight",
            tf: "distilbert/transformer/layer_._{layer}/attention/out_lin/kernel:0", linear: true),
        .huggingFace(
            "transformer.layer.{layer}.attention.out_lin.bias",
            gguf: "blk.{layer}.attn_output.bias", tf: "distilbert/transformer/layer_._{layer}/attention/out_lin/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.sa_layer_norm.weight",
            gguf: "blk.{layer}.attn_output_norm.weight",
            tf: "distilbert/transformer/layer_._{layer}/sa_layer_norm/gamma:0"),
        .huggingFace(
            "transformer.layer.{layer}.sa_layer_norm.bias",
            gguf: "blk.{layer}.attn_output_norm.bias", tf: "distilbert/transformer/layer_._{layer}/sa_layer_norm/beta:0"
        ),
        .huggingFace(
            "transformer.layer.{layer}.ffn.lin1.weight", gguf: "blk.{layer}.ffn_up.weight",
            tf: "distilbert/transformer/layer_._{layer}/ffn/lin1/kernel:0",
            linear: true),
        .huggingFace(
            "transformer.layer.{layer}.ffn.lin1.bias", gguf: "blk.{layer}.ffn_up.bias",
            tf: "distilbert/transformer/layer_._{layer}/ffn/lin1/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.ffn.lin2.weight", gguf: "blk.{layer}.ffn_down.weight",
            tf: "distilbert/transformer/layer_._{layer}/ffn/lin2/kernel:0",
            linear: true),
        .huggingFace(
            "transformer.layer.{layer}.ffn.lin2.bias", gguf: "blk.{layer}.ffn_down.bias",
            tf: "distilbert/transformer/layer_._{layer}/ffn/lin2/bias:0"),
        .huggingFace(
            "transformer.layer.{layer}.output_layer_norm.weight",
            gguf: "blk.{layer}.layer_output_norm.weight",
            tf: "distilbert/transformer/layer_._{layer}/output_layer_norm/gamma:0"),
        .huggingFace(
            "transformer.layer.{layer}.output_layer_norm.bias",
            gguf: "blk.{layer}.layer_output_norm.bias",
            tf: "distilbert/transformer/layer_._{layer}/output_layer_norm/beta:0"),
        // DistilBertForSequenceClassification: pre_classifier + ReLU + classifier on the first token.
        .huggingFace("pre_classifier.weight", gguf: "cls.weight", tf: "pre_classifier/kernel:0", linear: true),
        .huggingFace("pre_classifier.bias", gguf: "cls.bias", tf: "pre_classifier/bias:0"),
        .huggingFace("classifier.weight", gguf: "cls.output.weight", tf: "classifier/kernel:0", linear: true),
        .huggingFace("classifier.bias", gguf: "cls.output.bias", tf: "classifier/bias:0"),
    ]
}
