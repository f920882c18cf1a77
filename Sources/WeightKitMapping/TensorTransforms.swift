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
    static func transposed(_ checkpoint: any Checkpoint, _ info: TensorInfo, as target: TensorInfo, dtype: DTypePolicy = .keep) -> OutputTensor {
        OutputTensor(name: target.name, dtype: dtype.target(for: .f32), info: target) { sink in
            let view = try checkpoint.view(info)
            let rows = target.shape[1], cols = target.shape[0]  // source is [rows, cols]
            guard rows > 0, cols > 0 else { return }
            let block = max(1, min(cols, (1 << 20) / (rows * 4)))   // output rows per piece
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: block * rows)
            defer { buffer.deallocate() }
            try view.withFloat32 { src in
                for c0 in stride(from: 0, to: cols, by: block) {
                    let n = min(block, cols - c0)
                    Kernels.transpose(src.baseAddress! + c0, rows: rows, cols: n, sourceRowStride: cols, into: buffer.baseAddress!)
                    try sink(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[0..<(n * rows)])))
                }
            }
            view.releaseResidentPages()
        }
    }

    /// The source's bytes under another name and (element-count-preserving) shape.
    static func relabelled(_ checkpoint: any Checkpoint, _ info: TensorInfo, as target: TensorInfo, dtype: DTypePolicy = .keep) -> OutputTensor {
        OutputTensor(name: target.name, dtype: dtype.target(for: info.dtype), info: target, inPlace: checkpoint.isStoredInPlace(info)) {
            let v = try checkpoint.view(info)
            return TensorView(info: target, bytes: v.bytes, owner: v.storageOwner)
        }
    }
}

extension BertConfig {
    /// The config as Hugging Face's BertConfig spells it (config.json).
    public var huggingFaceJSON: JSONObject {
        var cfg: JSONObject = [
            "model_type": .string("bert"), "vocab_size": .int(vocabSize), "hidden_size": .int(hiddenSize),
            "num_hidden_layers": .int(numLayers), "num_attention_heads": .int(numHeads),
            "intermediate_size": .int(intermediateSize), "max_position_embeddings": .int(maxPositions),
            "type_vocab_size": .int(typeVocabSize),
            "hidden_act": .string(activation == .geluTanh ? "gelu_new" : activation.rawValue),
            "layer_norm_eps": .number(String(describing: layerNormEps)),  // the float's shortest spelling: 1e-12
        ]
        if let n = numLabels { cfg["num_labels"] = .int(n) }
        return cfg
    }
}
