import WeightKitCheckpoints
import WeightKitKeras
import WeightKitPyTorch

/// Opens any checkpoint WeightKit reads — safetensors (single or sharded), `.wkc`, the Keras /
/// Hugging Face HDF5 variants and `torch.save` files (single or sharded) — recognising the format from the content, not the name.
public enum Checkpoints {
    public struct Options: Sendable {
        /// Also list optimizer and metric state in Keras files (normally skipped).
        public var includeAll = false
        /// Called once during the open, as soon as the caller may start threads of its own: at
        /// once for formats read in-process; right after the fork of an HDF5 file's probe
        /// process (`HDF5Probe`), which a thread running at that moment could hang; after the
        /// last shard's probe for a sharded Keras checkpoint. Not called if the open fails first.
        public var whenThreadsMayStart: (@Sendable () -> Void)?
        public init(includeAll: Bool = false, whenThreadsMayStart: (@Sendable () -> Void)? = nil) {
            self.includeAll = includeAll
            self.whenThreadsMayStart = whenThreadsMayStart
        }
    }

    public static func open(_ path: String, options: Options = Options()) throws -> any Checkpoint {
        guard FileSystem.exists(path) else { throw FileError(path: path, operation: "open", code: 2) }
        if FileSystem.isDirectory(path) { return try open(FileSystem.join(path, try pickFile(inDirectory: path)), options: options) }
        let threadsMayStart = options.whenThreadsMayStart
        let head = try MappedFile(path: path)
        if KerasReader.looksLikeHDF5(head.bytes) { return try KerasReader.open(path, includeAll: options.includeAll, afterFork: threadsMayStart) }
        if KerasArchiveReader.looksLikeZip(head.bytes) {
            guard TorchReader.isTorchArchive(head) else { return try KerasArchiveReader.open(path, includeAll: options.includeAll, afterFork: threadsMayStart) }
            threadsMayStart?()
            return try TorchReader.open(path)
        }
        if let legacy = TorchReader.legacyKind(head.bytes) { throw TorchFormatError.legacyFormat(file: path, detail: legacy) }
        if try isKerasIndex(path) {
            let sharded = try ShardedKerasReader.open(index: path, includeAll: options.includeAll)
            threadsMayStart?()
            return sharded
        }
        threadsMayStart?()   // nothing below forks
        if TorchReader.isTorchIndex(path) { return try TorchReader.openSharded(index: path) }
        return try CheckpointOpener.open(path)
    }

    /// The format of a file, from its first bytes (HDF5 files: from their structure).
    public static func detectFormat(_ path: String) throws -> CheckpointFormat {
        if !FileSystem.isDirectory(path) {
            let head = try MappedFile(path: path)
            if KerasReader.looksLikeHDF5(head.bytes) { return try KerasReader.open(path).format }
            if KerasArchiveReader.looksLikeZip(head.bytes) { return TorchReader.isTorchArchive(head) ? .pytorch : .kerasArchive }
            if let legacy = TorchReader.legacyKind(head.bytes) { throw TorchFormatError.legacyFormat(file: path, detail: legacy) }
            if try isKerasIndex(path) { return .kerasShardedH5 }
            if TorchReader.isTorchIndex(path) { return .shardedPyTorch }
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
    /// `.wkc` or HDF5 weights file (`tf_model.h5`, `*.weights.h5`, `*.h5`), or else a PyTorch
    /// one (`pytorch_model.bin` or its index, `.pt`, `.pth`). A Hugging Face directory with both
    /// safetensors and `.bin` weights opens the safetensors, as `transformers` does.
    static func pickFile(inDirectory dir: String) throws -> String {
        let names = try FileSystem.contents(ofDirectory: dir)
        func isIndex(_ n: String) -> Bool { n.hasSuffix(".safetensors.index.json") || n.hasSuffix(".h5.index.json") || n.hasSuffix(".weights.json") }
        func isSingle(_ n: String) -> Bool { n.hasSuffix(".safetensors") || n.hasSuffix(".wkc") || n.hasSuffix(".h5") || n.hasSuffix(".keras") }
        func isTorchIndex(_ n: String) -> Bool { n.hasSuffix(".bin.index.json") || n.hasSuffix(".pt.index.json") }
        func isTorch(_ n: String) -> Bool { n.hasSuffix(".bin") || n.hasSuffix(".pt") || n.hasSuffix(".pth") }
        var indexes = names.filter(isIndex)
        if indexes.isEmpty, !names.contains(where: isSingle) { indexes = names.filter(isTorchIndex) }
        if indexes.count == 1 { return indexes[0] }
        // Shards named by an index are not candidates of their own.
        let sharded = !indexes.isEmpty
        var singles = sharded ? [] : names.filter(isSingle)
        if !sharded, singles.isEmpty { singles = names.filter(isTorch) }
        let candidates = indexes + singles
        if candidates.count == 1 { return candidates[0] }
        if candidates.isEmpty { throw UnrecognizedFormat(path: dir, size: nil) }
        throw AmbiguousDirectory(path: dir, candidates: candidates)
    }
}
