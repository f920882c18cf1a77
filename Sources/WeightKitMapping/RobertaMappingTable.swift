/// RoBERTa's parameters (also XLM-RoBERTa's, which shares the modelling code) in Hugging Face
/// PyTorch (`RobertaModel` / `RobertaForSequenceClassification`, `roberta.` prefix in task
/// models) and Hugging Face TF (`TFRobertaModel`, `tf_roberta_…/roberta/…:0`) spelling, one row
/// per parameter, every name written whole.
public enum RobertaMappingTable {
    public static let table = BertFamilyTable(
        kind: .roberta, rows: rows, conventions: [.huggingFacePyTorch, .huggingFaceTF, .graphReady, .gguf],
        pyTorchPrefix: "roberta.",
        tensorFlowClassPrefixes: ["tf_roberta", "tf_xlm_roberta"],
        ignorable: { name, convention in
            switch convention {
            // position_ids is a buffer; lm_head is the masked-LM head.
            case .huggingFacePyTorch: return name == "embeddings.position_ids" || name.hasPrefix("lm_head.")
            case .huggingFaceTF: return name.hasPrefix("lm_head/")
            default: return name.hasPrefix("optimizer") || name.hasPrefix("metrics/")
            }
        })

    static let rows: [MappingRow] = {
        typealias R = MappingRow
        var r: [R] = [
            .huggingFace(
                "embeddings.word_embeddings.weight", gguf: "token_embd.weight",
                tf: "roberta/embeddings/word_embeddings/weight:0"),
            .huggingFace(
                "embeddings.position_embeddings.weight", gguf: "position_embd.weight",
                tf: "roberta/embeddings/position_embeddings/embeddings:0"),
            .huggingFace(
                "embeddings.token_type_embeddings.weight", gguf: "token_types.weight",
                tf: "roberta/embeddings/token_type_embeddings/embeddings:0"),
            .huggingFace(
                "embeddings.LayerNorm.weight", gguf: "token_embd_norm.weight",
                tf: "roberta/embeddings/LayerNorm/gamma:0"),
            .huggingFace(
                "embeddings.LayerNorm.bias", gguf: "token_embd_norm.bias", tf: "roberta/embeddings/LayerNorm/beta:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.query.weight", gguf: "blk.{layer}.attn_q.weight",
                tf: "roberta/encoder/layer_._{layer}/attention/self/query/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.query.bias", gguf: "blk.{layer}.attn_q.bias",
                tf: "roberta/encoder/layer_._{layer}/attention/self/query/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.key.weight", gguf: "blk.{layer}.attn_k.weight",
                tf: "roberta/encoder/layer_._{layer}/attention/self/key/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.key.bias", gguf: "blk.{layer}.attn_k.bias",
                tf: "roberta/encoder/layer_._{layer}/attention/self/key/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.value.weight", gguf: "blk.{layer}.attn_v.weight",
                tf: "roberta/encoder/layer_._{layer}/attention/self/value/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.attention.self.value.bias", gguf: "blk.{layer}.attn_v.bias",
                tf: "roberta/encoder/layer_._{layer}/attention/self/value/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.output.dense.weight", gguf: "blk.{layer}.attn_output.weight",
                tf: "roberta/encoder/layer_._{layer}/attention/output/dense/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.attention.output.dense.bias", gguf: "blk.{layer}.attn_output.bias",
                tf: "roberta/encoder/layer_._{layer}/attention/output/dense/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.output.LayerNorm.weight", gguf: "blk.{layer}.attn_output_norm.weight",
                tf: "roberta/encoder/layer_._{layer}/attention/output/LayerNorm/gamma:0"),
            .huggingFace(
                "encoder.layer.{layer}.attention.output.LayerNorm.bias", gguf: "blk.{layer}.attn_output_norm.bias",
                tf: "roberta/encoder/layer_._{layer}/attention/output/LayerNorm/beta:0"),
            .huggingFace(
                "encoder.layer.{layer}.intermediate.dense.weight", gguf: "blk.{layer}.ffn_up.weight",
                tf: "roberta/encoder/layer_._{layer}/intermediate/dense/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.intermediate.dense.bias", gguf: "blk.{layer}.ffn_up.bias",
                tf: "roberta/encoder/layer_._{layer}/intermediate/dense/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.output.dense.weight", gguf: "blk.{layer}.ffn_down.weight",
                tf: "roberta/encoder/layer_._{layer}/output/dense/kernel:0", linear: true),
            .huggingFace(
                "encoder.layer.{layer}.output.dense.bias", gguf: "blk.{layer}.ffn_down.bias",
                tf: "roberta/encoder/layer_._{layer}/output/dense/bias:0"),
            .huggingFace(
                "encoder.layer.{layer}.output.LayerNorm.weight", gguf: "blk.{layer}.layer_output_norm.weight",
                tf: "roberta/encoder/layer_._{layer}/output/LayerNorm/gamma:0"),
            .huggingFace(
                "encoder.layer.{layer}.output.LayerNorm.bias", gguf: "blk.{layer}.layer_output_norm.bias",
                tf: "roberta/encoder/layer_._{layer}/output/LayerNorm/beta:0"),
            // RobertaModel's pooler (absent from RobertaForSequenceClassification).
            .huggingFace("pooler.dense.weight", tf: "roberta/pooler/dense/kernel:0", linear: true),
            .huggingFace("pooler.dense.bias", tf: "roberta/pooler/dense/bias:0"),
            // RobertaClassificationHead: dense + tanh + out_proj on the first token.
            .huggingFace("classifier.dense.weight", gguf: "cls.weight", tf: "classifier/dense/kernel:0", linear: true),
            .huggingFace("classifier.dense.bias", gguf: "cls.bias", tf: "classifier/dense/bias:0"),
            .huggingFace(
                "classifier.out_proj.weight", gguf: "cls.output.weight", tf: "classifier/out_proj/kernel:0",
                linear: true),
            .huggingFace("classifier.out_proj.bias", gguf: "cls.output.bias", tf: "classifier/out_proj/bias:0"),
        ]
        // Older PyTorch checkpoints converted from TF spell LayerNorm gamma / beta.
        for i in r.indices
        where r[i].canonical.hasSuffix("LayerNorm.weight") || r[i].canonical.hasSuffix("LayerNorm.bias") {
            let old = r[i].canonical.hasSuffix(".weight") ? ".gamma" : ".beta"
            let base = r[i].canonical.split(separator: ".").dropLast().joined(separator: ".")
            r[i].spellings.append(SourceSpelling(.huggingFacePyTorch, base + old))
        }
        return r
    }()
}
