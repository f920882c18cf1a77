import WeightKitCheckpoints

extension CheckpointFormat {
    /// ggml's GGUF (llama.cpp, Ollama, llamafile), versions 2 and 3.
    public static let gguf = CheckpointFormat(rawValue: "gguf")
}

/// Reads GGUF files: the header validated (`GGUFFile`), plain tensors (F32, F16, BF16, F64 and
/// the integer types) as byte ranges of the mapped file in row-major shape (the reverse of ggml's
/// dimensions), block-quantised ones listed in the metadata by type and dimensions, and the
/// metadata keys as `gguf.KEY` (arrays summarised).
public enum GGUFReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.gguf]
    public static let directoryEntries = [DirectoryEntry(suffix: ".gguf", role: .single)]

    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        probe.bytes.count >= 4 && Array(probe.bytes.prefix(4)) == Array("GGUF".utf8)
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path).checkpoint
    }

    /// The parsed file and the checkpoint over it.
    public static func open(_ path: String) throws -> (file: GGUFFile, checkpoint: MappedCheckpoint) {
        let mapped = try MappedFile(path: path)
        let g = try GGUFFile.parse(mapped.bytes, file: path)
        var metadata: [String: String] = ["gguf.version": String(g.version)]
        for (k, v) in g.metadata { metadata["gguf." + k] = v.summary }
        var tensors: [TensorInfo] = []
        for t in g.tensors {
            guard let dtype = t.type.dtype else {
                metadata["gguf.quantized." + t.name] =
                    "\(t.type.name) [" + t.shape.map(String.init).joined(separator: ", ") + "]"
                continue
            }
            tensors.append(
                TensorInfo(name: t.name, dtype: dtype, shape: t.shape, byteOffset: t.offset, byteCount: t.size))
        }
        let c = MappedCheckpoint(
            path: path, format: .gguf, files: [mapped], tensors: tensors, metadata: metadata, modelConfig: nil)
        return (g, c)
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .gguf)
        do {
            let (g, c) = try open(path)
            result.tensorCount = g.tensors.count
            result.checkedBytes = g.tensors.reduce(0) { $0 + $1.size }
            let quantised = g.tensors.count - c.tensors.count
            result.notes.append(
                "header, \(g.metadata.count) metadata keys and \(g.tensors.count) tensor entries valid; offsets contiguous at alignment \(g.alignment)"
                    + (quantised > 0 ? "; \(quantised) block-quantised tensors listed, not read" : ""))
            if g.value("general.architecture") == nil {
                result.problems.append("\(path): no general.architecture (GGUF requires it)")
            }
        } catch let e as GGUFError { result.problems = [e.description] }
        return result
    }
}
