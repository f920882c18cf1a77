import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs

/// Output tensors made from source tensors when they are written (one at a time, so a
/// conversion holds one tensor's bytes): transposed 2-D weights and relabelled views.
enum TensorTransforms {
    /// The source's 2-D data transposed into `target` ([rows, cols] → [cols, rows]), as F32,
    /// produced a block of output rows (source columns) at a time into one ≈ 1 MiB buffer, so a
    /// conversion never holds a whole transposed matrix and the pieces are still in cache when
    /// they are written.
    static func transposed(
        _ checkpoint: any Checkpoint, _ info: TensorInfo, as target: TensorInfo, dtype: DTypePolicy = .keep
    ) -> OutputTensor {
        OutputTensor(name: target.name, dtype: dtype.target(for: .f32), info: target) { sink in
            let view = try checkpoint.view(info)
            let rows = target.shape[1], cols = target.shape[0]  // source is [rows, cols]
            guard rows > 0, cols > 0 else { return }
            let block = max(1, min(cols, (1 << 20) / (rows * 4)))  // output rows per piece
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: block * rows)
            defer { buffer.deallocate() }
            try view.withFloat32 { src in
                for c0 in stride(from: 0, to: cols, by: block) {
                    let n = min(block, cols - c0)
                    Kernels.transpose(
                        src.baseAddress! + c0, rows: rows, cols: n, sourceRowStride: cols, into: buffer.baseAddress!)
                    try sink(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<(n * rows)])))
                }
            }
            view.releaseResidentPages()
        }
    }

    /// The source's bytes under another name and (element-count-preserving) shape.
    static func relabelled(
        _ checkpoint: any Checkpoint, _ info: TensorInfo, as target: TensorInfo, dtype: DTypePolicy = .keep
    ) -> OutputTensor {
        OutputTensor(
            name: target.name, dtype: dtype.target(for: info.dtype), info: target,
            inPlace: checkpoint.isStoredInPlace(info)
        ) {
            let v = try checkpoint.view(info)
            return TensorView(info: target, bytes: v.bytes, owner: v.storageOwner)
        }
    }
}

extension BertConfig {
    /// The config as Hugging Face spells it for this family (config.json of BertConfig,
    /// RobertaConfig or DistilBertConfig).
    public var huggingFaceJSON: JSONObject {
        let act: JSONValue = .string(activation == .geluTanh ? "gelu_new" : activation.rawValue)
        var cfg: JSONObject
        switch kind {
        case .distilbert:
            cfg = [
                "model_type": .string("distilbert"), "vocab_size": .int(vocabSize), "dim": .int(hiddenSize),
                "n_layers": .int(numLayers),
                "n_heads": .int(numHeads), "hidden_dim": .int(intermediateSize),
                "max_position_embeddings": .int(maxPositions),
                "activation": act, "sinusoidal_pos_embds": .bool(false), "pad_token_id": .int(0),
            ]
        default:
            cfg = [
                "model_type": .string(kind == .roberta ? "roberta" : "bert"), "vocab_size": .int(vocabSize),
                "hidden_size": .int(hiddenSize),
                "num_hidden_layers": .int(numLayers), "num_attention_heads": .int(numHeads),
                "intermediate_size": .int(intermediateSize), "max_position_embeddings": .int(maxPositions),
                "type_vocab_size": .int(typeVocabSize), "hidden_act": act,
                "layer_norm_eps": .number(String(describing: layerNormEps)),  // the float's shortest spelling: 1e-12
            ]
            if kind == .roberta {
                cfg["pad_token_id"] = .int(paddingIdx)
                cfg["bos_token_id"] = .int(0)
                cfg["eos_token_id"] = .int(2)
            }
        }
        if let n = numLabels { cfg["num_labels"] = .int(n) }
        return cfg
    }

    /// The transformers class a `--layout hf` directory loads as.
    public func huggingFaceClass(classifier: Bool) -> String {
        let base = ["bert": "Bert", "roberta": "Roberta", "distilbert": "DistilBert"][kind.rawValue] ?? "Bert"
        return base + (classifier ? "ForSequenceClassification" : "Model")
    }
}
