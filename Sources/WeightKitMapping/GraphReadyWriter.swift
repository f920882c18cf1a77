import WeightKitCheckpoints
import WeightKitGraphs

/// Writes a graph-ready `.wkc`: the graph's canonical parameter names, every linear weight
/// stored [in, out] (the layout oneDNN's fast GEMM path reads, so binding copies nothing), the
/// resolved config in the model section, and the mapping in the provenance transforms.
public enum GraphReadyWriter {
    public struct NotMapped: Error, Sendable, CustomStringConvertible {
        public var report: MappingReport
        public var description: String { "cannot write a graph-ready file: the mapping has problems\n" + report.text }
    }

    public static func writeBert(_ checkpoint: any Checkpoint, report: MappingReport, to path: String,
                                 progress: ProgressHandler? = nil) throws {
        guard report.passed, let config = report.config else { throw NotMapped(report: report) }
        var outputs: [OutputTensor] = []
        var transposed = 0, reshaped = 0
        for e in report.entries where e.status == .mapped {
            guard let source = e.source, let info = checkpoint.info(named: source) else { continue }
            // Linear weights become [in, out] (the canonical shape is [out, in]); the rest keep it.
            let isLinear = e.layout != nil
            let shape = isLinear ? [e.expectedShape[1], e.expectedShape[0]] : e.expectedShape
            if isLinear && e.layout == .outIn {
                transposed += 1
                let outInfo = TensorInfo(name: e.canonical, dtype: .f32, shape: shape, byteOffset: 0, byteCount: shape.reduce(1, *) * 4)
                outputs.append(OutputTensor(name: e.canonical, dtype: .f32, info: outInfo, inPlace: false) {
                    let view = try checkpoint.view(info)
                    let (rows, cols) = (info.shape[0], info.shape[1])
                    let owned = OwnedBytes(count: rows * cols * 4)
                    let dst = owned.buffer.baseAddress!.assumingMemoryBound(to: Float.self)
                    try view.withFloat32 { src in
                        for r0 in stride(from: 0, to: rows, by: 32) { for c0 in stride(from: 0, to: cols, by: 32) {
                            for r in r0..<min(r0 + 32, rows) { for c in c0..<min(c0 + 32, cols) { dst[c * rows + r] = src[r * cols + c] } }
                        } }
                    }
                    view.releaseResidentPages()
                    return TensorView(info: outInfo, bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(owned.buffer)[0..<(rows * cols * 4)]), owner: owned)
                })
            } else {
                // Same bytes, canonical name, canonical shape (a Keras EinsumDense kernel merged to 2-D).
                if info.shape != shape { reshaped += 1 }
                var outInfo = info
                outInfo.name = e.canonical
                outInfo.shape = shape
                let relabelled = outInfo
                outputs.append(OutputTensor(name: e.canonical, dtype: info.dtype, info: relabelled, inPlace: checkpoint.isStoredInPlace(info)) {
                    let v = try checkpoint.view(info)
                    return TensorView(info: relabelled, bytes: v.bytes, owner: v.storageOwner)
                })
            }
        }
        var cfg: JSONObject = [
            "model_type": .string("bert"), "vocab_size": .int(config.vocabSize), "hidden_size": .int(config.hiddenSize),
            "num_hidden_layers": .int(config.numLayers), "num_attention_heads": .int(config.numHeads),
            "intermediate_size": .int(config.intermediateSize), "max_position_embeddings": .int(config.maxPositions),
            "type_vocab_size": .int(config.typeVocabSize),
            "hidden_act": .string(config.activation == .geluTanh ? "gelu_new" : config.activation.rawValue),
            "layer_norm_eps": .double(Double(config.layerNormEps)),
        ]
        if let n = config.numLabels { cfg["num_labels"] = .int(n) }
        let files = checkpoint.files.compactMap { try? MappedFile(path: $0) }
        let provenance = WKCProvenance(
            sourceName: FileSystem.lastComponent(of: checkpoint.path), sourceFormat: checkpoint.format.rawValue,
            sourceFiles: files.map { .init(name: FileSystem.lastComponent(of: $0.path), bytes: $0.size, sha256: SHA256Digest.hex(of: $0.bytes)) },
            tool: WeightKitVersion.tool, created: Converter.utcTimestamp(),
            transforms: [.object(["kind": .string("map"), "graph": .string("bert"), "convention": .string(report.convention?.rawValue ?? "?"),
                                  "config": .string(report.configSource)]),
                         .object(["kind": .string("transpose"), "to": .string("in_out"), "tensors": .int(transposed)]),
                         .object(["kind": .string("reshape"), "tensors": .int(reshaped)])])
        try WKCWriter.write(outputs, metadata: [Convention.layoutKey: Convention.graphReadyValue],
                            model: WKCModelSection(architecture: "bert", config: .object(cfg)), provenance: provenance, to: path, progress: progress)
    }
}
