import WeightKitCheckpoints
import WeightKitGGUF
import WeightKitKeras
import WeightKitPyTorch
import WeightKitTensorFlow

/// Opens and checks any checkpoint WeightKit reads, recognising the format from the content, not
/// the name: the first reader in `readers` that recognises a file opens it.
public enum Checkpoints {
    /// Every reader, in the order they are asked. Order matters only where content overlaps: the
    /// `torch.save` reader sees a zip before the `.keras` reader, and the index readers that
    /// judge by their shards come before the sharded-safetensors reader, which takes any index.
    public static let readers: [any CheckpointReader.Type] = [
        KerasReader.self,  // HDF5 signature
        TorchReader.self,  // zip with data.pkl; legacy torch pickles refused by name
        KerasArchiveReader.self,  // any other zip
        ShardedKerasReader.self,  // JSON index naming .h5 shards
        ShardedTorchReader.self,  // JSON index whose first shard is a torch.save file
        TensorBundleReader.self,  // SSTable footer magic and a bundle header
        WKCReader.self,  // WKC magic
        GGUFReader.self,  // "GGUF" magic
        ShardedSafetensorsReader.self,  // any other JSON shard index
        SafetensorsReader.self,  // length + '{'
    ]

    /// How to open (see `CheckpointOpenOptions`).
    public typealias Options = CheckpointOpenOptions

    /// Opens a file, a shard index or a directory holding one checkpoint.
    public static func open(_ path: String, options: Options = Options()) throws -> any Checkpoint {
        let file = try resolve(path)
        return try reader(forFile: file).open(file, options: options)
    }

    /// The deep integrity check of a file, index or directory (`weightkit check`).
    public static func check(_ path: String, progress: ProgressHandler? = nil) throws -> CheckResult {
        let file = try resolve(path)
        return try reader(forFile: file).check(file, progress: progress)
    }

    /// The reader that recognises a file's content (a directory's: its one checkpoint's).
    public static func reader(for path: String) throws -> any CheckpointReader.Type {
        try reader(forFile: try resolve(path))
    }

    /// The reader of a file already resolved.
    static func reader(forFile file: String) throws -> any CheckpointReader.Type {
        let probe = try CheckpointProbe(path: file)
        for reader in readers where try reader.recognizes(probe) { return reader }
        throw UnrecognizedFormat(path: file, size: probe.file.size)
    }

    /// The path itself, or the one checkpoint file a directory holds.
    static func resolve(_ path: String) throws -> String {
        for reader in readers { if let file = reader.resolve(path) { return file } }
        guard FileSystem.exists(path) else { throw FileError(path: path, operation: "open", code: 2) }
        return FileSystem.isDirectory(path) ? FileSystem.join(path, try pickFile(inDirectory: path)) : path
    }

    /// The one checkpoint a directory holds, from the readers' `directoryEntries`: of the lowest
    /// rank present, an index if there is one (its shards are then not candidates), else a single
    /// file. So a Hugging Face directory with both safetensors and `.bin` weights opens the
    /// safetensors, as `transformers` does.
    static func pickFile(inDirectory dir: String) throws -> String {
        let names = try FileSystem.contents(ofDirectory: dir)
        let entries = readers.flatMap { $0.directoryEntries }
        for rank in Set(entries.map(\.rank)).sorted() {
            func matches(_ role: DirectoryEntry.Role) -> [String] {
                let suffixes = entries.filter { $0.rank == rank && $0.role == role }.map(\.suffix)
                return names.filter { n in suffixes.contains { n.hasSuffix($0) } }
            }
            let indexes = matches(.index)
            let candidates = indexes.isEmpty ? matches(.single) : indexes
            if candidates.count == 1 { return candidates[0] }
            if candidates.count > 1 { throw AmbiguousDirectory(path: dir, candidates: candidates) }
        }
        throw UnrecognizedFormat(path: dir, size: nil)
    }
}
