/// A sharded safetensors checkpoint through its index (`model.safetensors.index.json`).
public enum ShardedSafetensorsReader: CheckpointReader {
    /// Opens a sharded checkpoint from its index file.
    public static func open(index indexPath: String) throws -> CompositeCheckpoint {
        try ShardIndex.openComposite(index: indexPath, format: .shardedSafetensors) {
            try SafetensorsReader.open($0, loadConfig: false)
        }
    }

    public static let formats: [CheckpointFormat] = [.shardedSafetensors]
    public static let directoryEntries = [DirectoryEntry(suffix: ".safetensors.index.json", role: .index)]

    /// Any JSON shard index no other reader claimed (it is last among the index readers), so
    /// that a malformed one is reported by the safetensors index rules.
    public static func recognizes(_ probe: CheckpointProbe) -> Bool { probe.shardIndex != nil }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(index: path)
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        var result = CheckResult(path: path, format: .shardedSafetensors)
        do {
            let c = try open(index: path)
            result.tensorCount = c.tensors.count
            result.checkedBytes = c.totalBytes
            result.notes.append("index and \(c.files.count) shards valid; the safetensors format carries no checksums")
        } catch let e as ProblemList {
            result.problems = e.problemDescriptions
        } catch let e as ShardIndexError {
            result.problems = [e.description]
        }
        return result
    }
}
