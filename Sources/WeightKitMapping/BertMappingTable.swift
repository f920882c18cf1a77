import WeightKitGraphs

/// BERT's parameters and the spellings each convention uses for them. Adding a convention is
/// adding a column of spellings here; names are normalised first (see `BertFamilyTable.normalise`).
public enum BertMappingTable {
    public static let table = BertFamilyTable(
        kind: .bert, rows: rows, conventions: Convention.allCases, pyTorchPrefix: "bert.",
        tensorFlowClassPrefixes: ["tf_bert"],
        ignorable: { isIgnorable($0, $1) })

    /// One row per canonical parameter (Hugging Face PyTorch spelling), every source spelling
    /// written out whole, so that grepping a real tensor name finds its row. Where they come from:
    /// - `.huggingFacePyTorch`: transformers `BertModel` / `BertForSequenceClassification` state
    ///   dicts (`bert.` prefix of task models removed first); older checkpoints converted from TF
    ///   spell LayerNorm `gamma` / `beta`. Linear weights [out, in].
    /// - `.graphReady`: a graph-ready `.wkc` written by WeightKit (linear weights [in, out]).
    /// - `.gguf`: llama.cpp's BERT names (gguf-py `tensor_mapping.py`, `MODEL_ARCH.BERT`), what
    ///   `GGUFBertWriter` writes too; linear weights [out, in] (ggml's `ne = [in, out]`); the
    ///   pooler is `cls` and the classifier `cls.output`, as llama.cpp's reranker graph reads them.
    /// - `.huggingFaceTF`: transformers `TFBertModel` `tf_model.h5` (model-class component removed
    ///   first: `tf_bert_model/`), Dense kernels [in, out].
    /// - `.kerasHub`: keras-hub `BertBackbone.save_weights` (`{kh}` is "" / "_1" / "_2"… per
    ///   layer), EinsumDense kernels [in, heads, head_dim] read merged.
    /// - `.googleBert`: google-research/bert TF1 checkpoints (`bert_model.ckpt`), as `modeling.py`
    ///   names its variables; kernels [in, out], the fine-tuned head `output_weights` [labels, H].
    /// - `.tfModelGarden`: TensorFlow Model Garden / TF-Hub `BertEncoder` (any prefix in front of
    ///   the roots in `modelGardenRoots`, `:0` optional).
    public static let rows: [MappingRow] = [
        MappingRow(
            canonical: "embeddings.word_embeddings.weight",
            spellings: [
                .init(.huggingFacePyTorch, "embeddings.word_embeddings.weight"),
                .init(.graphReady, "embeddings.word_embeddings.weight"),
                .init(.gguf, "token_embd.weight"),
                .init(.huggingFaceTF, "bert/embeddings/word_embeddings/weight:0"),
                .init(.googleBert, "bert/embeddings/word_embeddings"),
                .init(.kerasHub, "layers/reversible_embedding/vars/0"),
                .init(.tfModelGarden, "word_embeddings/embeddings"),
            ]),
        MappingRow(
            canonical: "embeddings.position_embeddings.weight",
            spellings: [
                .init(.huggingFacePyTorch, "embeddings.position_embeddings.weight"),
                .init(.graphReady, "embeddings.position_embeddings.weight"),
                .init(.gguf, "position_embd.weight"),
                .init(.huggingFaceTF, "bert/embeddings/position_embeddings/embeddings:0"),
                .init(.googleBert, "bert/embeddings/position_embeddings"),
                .init(.kerasHub, "layers/position_embedding/vars/0"),
                .init(.tfModelGarden, "position_embedding/embeddings"),
            ]),
        MappingRow(
            canonical: "embeddings.token_type_embeddings.weight",
            spellings: [
                .init(.huggingFacePyTorch, "embeddings.token_type_embeddings.weight"),
                .init(.graphReady, "embeddings.token_type_embeddings.weight"),
                .init(.gguf, "token_types.weight"),
                .init(.huggingFaceTF, "bert/embeddings/token_type_embeddings/embeddings:0"),
                .init(.googleBert, "bert/embeddings/token_type_embeddings"),
                .init(.kerasHub, "layers/embedding/vars/0"),
                .init(.tfModelGarden, "type_embeddings/embeddings"),
            ]),
        MappingRow(
            canonical: "embeddings.LayerNorm.weight",
            spellings: [
                .init(.huggingFacePyTorch, "embeddings.LayerNorm.weight"),
                .init(.graphReady, "embeddings.LayerNorm.weight"),
                .init(.gguf, "token_embd_norm.weight"),
                .init(.huggingFaceTF, "bert/embeddings/LayerNorm/gamma:0"),
                .init(.googleBert, "bert/embeddings/LayerNorm/gamma"),
                .init(.kerasHub, "layers/layer_normalization/vars/0"),
                .init(.tfModelGarden, "embeddings/layer_norm/gamma"),
                .init(.huggingFacePyTorch, "embeddings.LayerNorm.gamma"),
            ]),
        MappingRow(
            canonical: "embeddings.LayerNorm.bias",
            spellings: [
                .init(.huggingFacePyTorch, "embeddings.LayerNorm.bias"),
                .init(.graphReady, "embeddings.LayerNorm.bias"),
                .init(.gguf, "token_embd_norm.bias"),
                .init(.huggingFaceTF, "bert/embeddings/LayerNorm/beta:0"),
                .init(.googleBert, "bert/embeddings/LayerNorm/beta"),
                .init(.kerasHub, "layers/layer_normalization/vars/1"),
                .init(.tfModelGarden, "embeddings/layer_norm/beta"),
                .init(.huggingFacePyTorch, "embeddings.LayerNorm.beta"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.query.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.query.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.query.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.attn_q.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/query/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/query/kernel", layout: .inOut),
                .init(
                    .kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/query_dense/vars/0", layout: .inOut
                ),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/query/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.query.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.query.bias"),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.query.bias"),
                .init(.gguf, "blk.{layer}.attn_q.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/query/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/query/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/query_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/query/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.key.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.key.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.key.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.attn_k.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/key/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/key/kernel", layout: .inOut),
                .init(
                    .kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/key_dense/vars/0", layout: .inOut),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/key/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.key.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.key.bias"),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.key.bias"),
                .init(.gguf, "blk.{layer}.attn_k.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/key/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/key/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/key_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/key/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.value.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.value.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.value.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.attn_v.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/value/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/value/kernel", layout: .inOut),
                .init(
                    .kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/value_dense/vars/0", layout: .inOut
                ),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/value/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.self.value.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.self.value.bias"),
                .init(.graphReady, "encoder.layer.{layer}.attention.self.value.bias"),
                .init(.gguf, "blk.{layer}.attn_v.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/self/value/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/self/value/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/value_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/value/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.output.dense.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.dense.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.attention.output.dense.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.attn_output.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/output/dense/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/output/dense/kernel", layout: .inOut),
                .init(
                    .kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/output_dense/vars/0",
                    layout: .inOut),
                .init(
                    .tfModelGarden, "transformer/layer_{layer}/self_attention/attention_output/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.output.dense.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.dense.bias"),
                .init(.graphReady, "encoder.layer.{layer}.attention.output.dense.bias"),
                .init(.gguf, "blk.{layer}.attn_output.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/output/dense/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/output/dense/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer/output_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention/attention_output/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.output.LayerNorm.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.LayerNorm.weight"),
                .init(.graphReady, "encoder.layer.{layer}.attention.output.LayerNorm.weight"),
                .init(.gguf, "blk.{layer}.attn_output_norm.weight"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/output/LayerNorm/gamma:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/output/LayerNorm/gamma"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer_norm/vars/0"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention_layer_norm/gamma"),
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.LayerNorm.gamma"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.attention.output.LayerNorm.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.LayerNorm.bias"),
                .init(.graphReady, "encoder.layer.{layer}.attention.output.LayerNorm.bias"),
                .init(.gguf, "blk.{layer}.attn_output_norm.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/attention/output/LayerNorm/beta:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/attention/output/LayerNorm/beta"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_self_attention_layer_norm/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/self_attention_layer_norm/beta"),
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.attention.output.LayerNorm.beta"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.intermediate.dense.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.intermediate.dense.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.intermediate.dense.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.ffn_up.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/intermediate/dense/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/intermediate/dense/kernel", layout: .inOut),
                .init(
                    .kerasHub, "layers/transformer_encoder{kh}/_feedforward_intermediate_dense/vars/0", layout: .inOut),
                .init(.tfModelGarden, "transformer/layer_{layer}/intermediate/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.intermediate.dense.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.intermediate.dense.bias"),
                .init(.graphReady, "encoder.layer.{layer}.intermediate.dense.bias"),
                .init(.gguf, "blk.{layer}.ffn_up.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/intermediate/dense/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/intermediate/dense/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_feedforward_intermediate_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/intermediate/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.output.dense.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.dense.weight", layout: .outIn),
                .init(.graphReady, "encoder.layer.{layer}.output.dense.weight", layout: .inOut),
                .init(.gguf, "blk.{layer}.ffn_down.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/output/dense/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/encoder/layer_{layer}/output/dense/kernel", layout: .inOut),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_feedforward_output_dense/vars/0", layout: .inOut),
                .init(.tfModelGarden, "transformer/layer_{layer}/output/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.output.dense.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.dense.bias"),
                .init(.graphReady, "encoder.layer.{layer}.output.dense.bias"),
                .init(.gguf, "blk.{layer}.ffn_down.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/output/dense/bias:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/output/dense/bias"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_feedforward_output_dense/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/output/bias"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.output.LayerNorm.weight",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.LayerNorm.weight"),
                .init(.graphReady, "encoder.layer.{layer}.output.LayerNorm.weight"),
                .init(.gguf, "blk.{layer}.layer_output_norm.weight"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/output/LayerNorm/gamma:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/output/LayerNorm/gamma"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_feedforward_layer_norm/vars/0"),
                .init(.tfModelGarden, "transformer/layer_{layer}/output_layer_norm/gamma"),
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.LayerNorm.gamma"),
            ]),
        MappingRow(
            canonical: "encoder.layer.{layer}.output.LayerNorm.bias",
            spellings: [
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.LayerNorm.bias"),
                .init(.graphReady, "encoder.layer.{layer}.output.LayerNorm.bias"),
                .init(.gguf, "blk.{layer}.layer_output_norm.bias"),
                .init(.huggingFaceTF, "bert/encoder/layer_._{layer}/output/LayerNorm/beta:0"),
                .init(.googleBert, "bert/encoder/layer_{layer}/output/LayerNorm/beta"),
                .init(.kerasHub, "layers/transformer_encoder{kh}/_feedforward_layer_norm/vars/1"),
                .init(.tfModelGarden, "transformer/layer_{layer}/output_layer_norm/beta"),
                .init(.huggingFacePyTorch, "encoder.layer.{layer}.output.LayerNorm.beta"),
            ]),
        MappingRow(
            canonical: "pooler.dense.weight",
            spellings: [
                .init(.huggingFacePyTorch, "pooler.dense.weight", layout: .outIn),
                .init(.graphReady, "pooler.dense.weight", layout: .inOut),
                .init(.gguf, "cls.weight", layout: .outIn),
                .init(.huggingFaceTF, "bert/pooler/dense/kernel:0", layout: .inOut),
                .init(.googleBert, "bert/pooler/dense/kernel", layout: .inOut),
                .init(.kerasHub, "layers/dense/vars/0", layout: .inOut),
                .init(.tfModelGarden, "pooler_transform/kernel", layout: .inOut),
            ]),
        MappingRow(
            canonical: "pooler.dense.bias",
            spellings: [
                .init(.huggingFacePyTorch, "pooler.dense.bias"),
                .init(.graphReady, "pooler.dense.bias"),
                .init(.gguf, "cls.bias"),
                .init(.huggingFaceTF, "bert/pooler/dense/bias:0"),
                .init(.googleBert, "bert/pooler/dense/bias"),
                .init(.kerasHub, "layers/dense/vars/1"),
                .init(.tfModelGarden, "pooler_transform/bias"),
            ]),
        MappingRow(
            canonical: "classifier.weight",
            spellings: [
                .init(.huggingFacePyTorch, "classifier.weight", layout: .outIn),
                .init(.graphReady, "classifier.weight", layout: .inOut),
                .init(.gguf, "cls.output.weight", layout: .outIn),
                .init(.huggingFaceTF, "classifier/kernel:0", layout: .inOut),
                .init(.googleBert, "output_weights", layout: .outIn),
            ]),
        MappingRow(
            canonical: "classifier.bias",
            spellings: [
                .init(.huggingFacePyTorch, "classifier.bias"),
                .init(.graphReady, "classifier.bias"),
                .init(.gguf, "cls.output.bias"),
                .init(.huggingFaceTF, "classifier/bias:0"),
                .init(.googleBert, "output_bias"),
            ]),

    ]

    /// Source tensors every convention may carry that no graph parameter needs.
    public static func isIgnorable(_ normalisedName: String, _ convention: Convention) -> Bool {
        switch convention {
        case .huggingFacePyTorch:
            return normalisedName == "embeddings.position_ids" || normalisedName.hasPrefix("cls.")  // MLM / NSP heads
        case .huggingFaceTF:
            return normalisedName.hasPrefix("mlm___cls/") || normalisedName.hasPrefix("nsp___cls/")
        case .kerasHub:
            return normalisedName.hasPrefix("optimizer/") || normalisedName.hasPrefix("metrics/")
        case .googleBert:
            // Pre-training heads (MLM, next sentence); training state is dropped by the reader.
            return normalisedName.hasPrefix("cls/")
        case .tfModelGarden:
            // BertPretrainerV2's masked-LM head (its decoder is the tied word embedding) and the
            // next-sentence logits of converted TF1 checkpoints.
            return normalisedName.hasPrefix("bert/cls/") || normalisedName.hasPrefix("predictions/transform/logits/")
                || normalisedName.hasPrefix("optimizer") || normalisedName.hasPrefix("metrics/")
        case .tfKerasCheckpoint:
            // A TextVectorization's lookup table (its adapt state): the vocabulary, not a weight.
            return normalisedName.hasPrefix("optimizer") || normalisedName.hasPrefix("metrics/")
                || normalisedName.contains("/_lookup_layer/")
        case .graphReady, .keras3, .tfKerasArchive, .kerasLegacyPositional:
            return normalisedName.hasPrefix("optimizer") || normalisedName.hasPrefix("metrics/")
        case .gguf:
            return false
        }
    }

    /// Where a Model Garden parameter's own path starts, whatever sits in front of it (the Keras
    /// layer group of a legacy .h5 repeats the layer name; a SavedModel export adds the model's).
    static let modelGardenRoots = [
        "word_embeddings/", "position_embedding/", "type_embeddings/", "embeddings/layer_norm/",
        "transformer/layer_", "pooler_transform/",
    ]
}

extension Convention {
    /// The name a tensor has under this convention once incidental prefixes are removed (the
    /// Hugging Face conventions' prefixes depend on the graph: `BertFamilyTable.normalise`).
    public func normalise(_ name: String) -> String {
        switch self {
        case .huggingFacePyTorch, .huggingFaceTF:
            return BertMappingTable.table.normalise(name, self)
        case .tfModelGarden:
            // The last place a Model Garden root starts a path component; ":0" dropped.
            let n = Array((name.hasSuffix(":0") ? String(name.dropLast(2)) : name).utf8)
            var start = 0
            for root in BertMappingTable.modelGardenRoots {
                let r = Array(root.utf8)
                guard n.count >= r.count else { continue }
                var i = n.count - r.count
                while i >= 0 {
                    if (i == 0 || n[i - 1] == UInt8(ascii: "/")) && n[i..<(i + r.count)].elementsEqual(r) {
                        start = max(start, i); break
                    }
                    i -= 1
                }
            }
            return String(decoding: n[start...], as: UTF8.self)
        case .kerasHub, .graphReady, .keras3, .tfKerasArchive, .kerasLegacyPositional, .googleBert, .tfKerasCheckpoint,
            .gguf:
            return name
        }
    }
}
