/// Opens one `.safetensors` file, validated with the reference implementation's full rule set.
public enum SafetensorsReader: CheckpointReader {
    /// Opens one `.safetensors` file. O(header): the tensor bytes are mapped, not read.
    public static func open(_ path: String, loadConfig: Bool = true) throws -> MappedCheckpoint {
        let file = try MappedFile(path: path)
        let header = try SafetensorsHeader.validate(file.bytes, file: path).get()
        let config = loadConfig ? try FileSystem.modelConfig(besides: path) : nil
        return MappedCheckpoint(
            path: path, format: .safetensors, files: [file], tensors: header.tensors,
            metadata: header.metadata, modelConfig: config)
    }

    public static let formats: [CheckpointFormat] = [.safetensors]
    public static let directoryEntries = [DirectoryEntry(suffix: ".safetensors", role: .single)]

    /// An 8-byte little-endian length, then a JSON object (possibly after spaces). A '{' after
    /// the length is safetensors even when the length is absurd: the reader then names the rule
    /// it breaks, rather than "not a checkpoint".
    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        let b = probe.bytes
        guard b.count >= 9 else { return false }
        let n = b.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        var j = 8
        while j < b.count, j < 8 + 4096, b[j] == 0x20 { j += 1 }
        return n > 0 && j < b.count && b[j] == UInt8(ascii: "{")
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path)
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .safetensors)
        let file = try MappedFile(path: path)
        switch SafetensorsHeader.validate(file.bytes, file: path) {
        case .failure(let p): result.problems = p.problems.map(\.description)
        case .success(let h):
            result.tensorCount = h.tensors.count
            result.checkedBytes = file.size
            result.notes.append("structure valid; the safetensors format carries no checksums")
        }
        return result
    }
}
