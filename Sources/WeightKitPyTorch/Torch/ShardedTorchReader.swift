import WeightKitCheckpoints

/// `pytorch_model.bin.index.json`, as `transformers` writes it for large models: the same
/// `weight_map` as sharded safetensors, with `torch.save` shards. The index is an allowlist.
public enum ShardedTorchReader: CheckpointReader {
    public static func open(index indexPath: String) throws -> CompositeCheckpoint {
        try ShardIndex.openComposite(index: indexPath, format: .shardedPyTorch) {
            try TorchReader.open($0, loadConfig: false)
        }
    }

    public static let formats: [CheckpointFormat] = [.shardedPyTorch]
    public static let directoryEntries = [
        DirectoryEntry(suffix: ".bin.index.json", role: .index, rank: 1),
        DirectoryEntry(suffix: ".pt.index.json", role: .index, rank: 1),
    ]

    /// A JSON shard index whose first shard is a `torch.save` file (judged by its content).
    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        guard let shard = probe.shardIndex?.firstShardPath, let file = try? MappedFile(path: shard) else {
            return false
        }
        return TorchReader.isTorchArchive(file) || TorchReader.legacyKind(file.bytes) != nil
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(index: path)
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        try TorchReader.checkRecords(path, format: .shardedPyTorch) { try open(index: $0) }
    }
}
