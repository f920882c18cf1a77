import WeightKitCheckpoints

/// `pytorch_model.bin.index.json`, as `transformers` writes it for large models: the same
/// `weight_map` as sharded safetensors, with `torch.save` shards. The index is an allowlist.
extension TorchReader {
    public static func openSharded(index indexPath: String) throws -> CompositeCheckpoint {
        var index = try ShardIndex.read(indexPath)
        var parts: [any Checkpoint] = []
        var members: [CompositeCheckpoint.Member] = []
        var metadata: [String: String] = [:]
        for shard in index.shards {
            guard let shardPath = index.resolve(shard) else { continue }
            let part: TorchCheckpoint
            do { part = try open(shardPath, loadConfig: false) } catch { index.problems.append(error); continue }
            for i in index.accept(part.tensors.map(\.name), inShard: shard) {
                members.append(.init(name: part.tensors[i].name, part: parts.count, source: part.tensors[i]))
            }
            for (k, v) in part.metadata where metadata[k] == nil { metadata[k] = v }
            parts.append(part)
        }
        try index.throwProblems()
        metadata.merge(index.metadata) { _, new in new }
        return CompositeCheckpoint(path: indexPath, format: .shardedPyTorch, parts: parts, members: members,
                                   metadata: metadata, modelConfig: try FileSystem.modelConfig(besides: indexPath))
    }

    /// Whether a JSON shard index names `torch.save` shards (judged by the first shard's content).
    public static func isTorchIndex(_ path: String) -> Bool {
        guard let size = FileSystem.fileSize(path), size < 64 << 20, let head = try? MappedFile(path: path) else { return false }
        guard head.bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else { return false }
        guard let index = try? ShardIndex.read(path), let first = index.shards.first,
              let shard = try? ShardIndexError.resolve(shard: first, index: path, directory: index.directory),
              let file = try? MappedFile(path: shard) else { return false }
        return isTorchArchive(file) || legacyKind(file.bytes) != nil
    }
}
