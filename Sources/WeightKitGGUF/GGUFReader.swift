import WeightKitCheckpoints

extension CheckpointFormat {
    /// ggml's GGUF (llama.cpp, Ollama, llamafile), versions 2 and 3.
    public static let gguf = CheckpointFormat(rawValue: "gguf")
}

/// Reads GGUF files: the header validated (`GGUFFile`), plain tensors (F32, F16, BF16, F64 and
/// the integer types) as byte ranges of the mapped file in row-major shape (the reverse of ggml's
/// dimensions), block-quantised ones as f32 decoded when viewed (`GGUFCheckpoint`; their stored
/// type as `storedEncoding`), and the metadata keys as `gguf.KEY` (arrays summarised).
public enum GGUFReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.gguf]
    public static let directoryEntries = [DirectoryEntry(suffix: ".gguf", role: .single)]

    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        probe.bytes.count >= 4 && Array(probe.bytes.prefix(4)) == Array("GGUF".utf8)
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path, fullMetadata: options.includeAll).checkpoint
    }

    /// The parsed file and the checkpoint over it; `fullMetadata` (`inspect --all`) renders
    /// arrays element by element instead of summarised.
    public static func open(_ path: String, fullMetadata: Bool = false) throws -> (
        file: GGUFFile, checkpoint: GGUFCheckpoint
    ) {
        let mapped = try MappedFile(path: path)
        let g = try GGUFFile.parse(mapped.bytes, file: path)
        var metadata: [String: String] = ["gguf.version": String(g.version)]
        for (k, v) in g.metadata { metadata["gguf." + k] = v.text(full: fullMetadata) }
        var tensors: [TensorInfo] = []
        var quantized: [String: GGUFFile.Tensor] = [:]
        for t in g.tensors {
            guard let dtype = t.type.dtype else {
                quantized[t.name] = t
                let elements = t.shape.reduce(1, *)
                tensors.append(
                    TensorInfo(name: t.name, dtype: .f32, shape: t.shape, byteOffset: t.offset, byteCount: elements * 4)
                )
                continue
            }
            tensors.append(
                TensorInfo(name: t.name, dtype: dtype, shape: t.shape, byteOffset: t.offset, byteCount: t.size))
        }
        if g.value("general.architecture")?.stringValue == "bert" { metadata["config_file"] = "the GGUF's bert.* keys" }
        let c = MappedCheckpoint(
            path: path, format: .gguf, files: [mapped], tensors: tensors, metadata: metadata, modelConfig: nil)
        return (g, GGUFCheckpoint(file: g, mapped: c, quantized: quantized))
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .gguf)
        do {
            let (g, c) = try open(path)
            result.tensorCount = g.tensors.count
            result.checkedBytes = g.tensors.reduce(0) { $0 + $1.size }
            let quantised = c.quantized.values.filter { GGMLQuantization.decodable.contains($0.type) }.count
            let opaque = c.quantized.count - quantised
            result.notes.append(
                "header, \(g.metadata.count) metadata keys and \(g.tensors.count) tensor entries valid; offsets contiguous at alignment \(g.alignment)"
                    + (quantised > 0 ? "; \(quantised) block-quantised tensors decodable" : "")
                    + (opaque > 0 ? "; \(opaque) of types WeightKit does not decode" : ""))
            if !c.quantized.isEmpty, g.value("general.quantization_version") == nil {
                result.notes.append(
                    "block-quantised tensors but no general.quantization_version (the GGUF spec asks for it; ggml does not check)"
                )
            }
            // Every block-quantised tensor decoded: a NaN or infinite f16 scale spoils its whole block.
            for info in c.tensors {
                guard let q = c.storedEncoding(info), q.decodable else { continue }
                let v = try c.view(info)
                var bad = 0
                for i in 0..<info.elementCount where !v.bytes.load(fromByteOffset: i * 4, as: Float.self).isFinite {
                    bad += 1
                }
                if bad > 0 {
                    result.problems.append(
                        "\(path): tensor '\(info.name)' (\(q.name)): \(bad) of \(info.elementCount) values are NaN or infinite once decoded (a block scale is)"
                    )
                }
            }
            if g.value("general.architecture") == nil {
                result.problems.append("\(path): no general.architecture (GGUF requires it)")
            }
        } catch let e as GGUFError { result.problems = [e.description] }
        return result
    }
}
