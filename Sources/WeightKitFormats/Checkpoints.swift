import WeightKitCheckpoints
import WeightKitKeras

/// Opens any checkpoint WeightKit reads — safetensors (single or sharded), `.wkc`, and the
/// Keras / Hugging Face HDF5 variants — recognising the format from the content, not the name.
public enum Checkpoints {
    public struct Options: Sendable {
        /// Also list optimizer and metric state in Keras files (normally skipped).
        public var includeAll = false
        public init(includeAll: Bool = false) { self.includeAll = includeAll }
    }

    public static func open(_ path: String, options: Options = Options()) throws -> any Checkpoint {
        guard FileSystem.exists(path) else { throw FileError(path: path, operation: "open", code: 2) }
        if FileSystem.isDirectory(path) { return try open(FileSystem.join(path, try pickFile(inDirectory: path)), options: options) }
        let head = try MappedFile(path: path)
        if KerasReader.looksLikeHDF5(head.bytes) { return try KerasReader.open(path, includeAll: options.includeAll) }
        if KerasArchiveReader.looksLikeZip(head.bytes) { return try KerasArchiveReader.open(path, includeAll: options.includeAll) }
        if try isKerasIndex(path) { return try ShardedKerasReader.open(index: path, includeAll: options.includeAll) }
        return try CheckpointOpener.open(path)
    }

    /// The format of a file, from its first bytes (HDF5 files: from their structure).
    public static func detectFormat(_ path: String) throws -> CheckpointFormat {
        if !FileSystem.isDirectory(path) {
            let head = try MappedFile(path: path)
            if KerasReader.looksLikeHDF5(head.bytes) { return try KerasReader.open(path).format }
            if KerasArchiveReader.looksLikeZip(head.bytes) { return .kerasArchive }
            if try isKerasIndex(path) { return .kerasShardedH5 }
        }
        return try CheckpointOpener.detectFormat(path)
    }

    /// A JSON index whose shards are `.h5` files.
    static func isKerasIndex(_ path: String) throws -> Bool {
        guard let size = FileSystem.fileSize(path), size < 64 << 20 else { return false }
        let head = try MappedFile(path: path)
        var i = 0
        while i < head.size, [0x20, 0x09, 0x0A, 0x0D].contains(head.bytes[i]) { i += 1 }
        guard i < head.size, head.bytes[i] == UInt8(ascii: "{"), let root = try? FileSystem.readJSON(path) else { return false }
        return ShardedKerasReader.isKerasIndex(root)
    }

    /// The one checkpoint a directory holds: a safetensors index, or a single `.safetensors`,
    /// `.wkc` or HDF5 weights file (`tf_model.h5`, `*.weights.h5`, `*.h5`).
    static func pickFile(inDirectory dir: String) throws -> String {
        let names = try FileSystem.contents(ofDirectory: dir)
        let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") || $0.hasSuffix(".h5.index.json") || $0.hasSuffix(".weights.json") }
        if indexes.count == 1 { return indexes[0] }
        // Shards named by an index are not candidates of their own.
        let sharded = !indexes.isEmpty
        let singles = sharded ? [] : names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".wkc") || $0.hasSuffix(".h5") || $0.hasSuffix(".keras") }
        let candidates = indexes + singles
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty { throw UnrecognizedFormat(path: dir, size: nil) }
        throw AmbiguousDirectory(path: dir, candidates: candidates)
    }
}
