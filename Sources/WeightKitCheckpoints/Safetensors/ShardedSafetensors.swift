/// A sharded safetensors checkpoint: `model.safetensors.index.json` with a `weight_map` from
/// tensor name to shard file, as Hugging Face writes it. The index is an allowlist: every tensor
/// of every shard must be assigned to that shard by the index, and every assigned tensor must be
/// there.
public enum ShardIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    case notAnObject(index: String, found: String)
    case missingWeightMap(index: String)
    case weightMapEntryNotString(index: String, tensor: String, found: String)
    case duplicateEntry(index: String, tensor: String)
    case unsafeShardName(index: String, shard: String)
    case missingShard(index: String, shard: String)
    case tensorMissingFromShard(index: String, tensor: String, shard: String)
    case tensorAssignedElsewhere(index: String, tensor: String, shard: String, assigned: String)
    case tensorNotInIndex(index: String, tensor: String, shard: String)
    case emptyWeightMap(index: String)

    public var description: String {
        switch self {
        case let .notAnObject(i, found): return "\(i): the index must be a JSON object, found \(found)"
        case let .missingWeightMap(i): return "\(i): no \"weight_map\" object"
        case let .weightMapEntryNotString(i, t, found): return "\(i): weight_map entry for tensor '\(t)' must be a file name, found \(found)"
        case let .duplicateEntry(i, t): return "\(i): tensor '\(t)' appears more than once in weight_map"
        case let .unsafeShardName(i, s): return "\(i): shard name '\(s)' is not a plain file name beside the index"
        case let .missingShard(i, s): return "\(i): shard '\(s)' named by the index does not exist"
        case let .tensorMissingFromShard(i, t, s): return "\(i): tensor '\(t)' is assigned to shard '\(s)' but that shard does not contain it"
        case let .tensorAssignedElsewhere(i, t, s, a): return "\(i): shard '\(s)' contains tensor '\(t)', which the index assigns to '\(a)'"
        case let .tensorNotInIndex(i, t, s): return "\(i): shard '\(s)' contains tensor '\(t)', which the index does not list"
        case let .emptyWeightMap(i): return "\(i): weight_map lists no tensors"
        }
    }
}

extension ShardIndexError {
    /// The path of a shard named by an index: a plain file name beside the index that exists.
    public static func resolve(shard: String, index: String, directory: String) throws(ShardIndexError) -> String {
        if shard.isEmpty || shard.contains("/") || shard.contains("\\") || shard == "." || shard == ".." {
            throw .unsafeShardName(index: index, shard: shard)
        }
        let path = FileSystem.join(directory, shard)
        guard FileSystem.exists(path) else { throw .missingShard(index: index, shard: shard) }
        return path
    }
}

/// Several problems with a sharded checkpoint, reported together.
public struct ShardedCheckpointProblems: Error, Sendable, CustomStringConvertible {
    public var index: String
    public var problems: [any Error & Sendable]
    public init(index: String, problems: [any Error & Sendable]) { self.index = index; self.problems = problems }
    public var description: String { problems.map { "\($0)" }.joined(separator: "\n") }
}

extension SafetensorsReader {
    /// Opens a sharded checkpoint from its index file.
    public static func openSharded(index indexPath: String) throws -> MappedCheckpoint {
        let root = try FileSystem.readJSON(indexPath)
        guard case .object(let obj) = root else { throw ShardIndexError.notAnObject(index: indexPath, found: root.typeName) }
        guard case .object(let weightMap)? = obj["weight_map"] else { throw ShardIndexError.missingWeightMap(index: indexPath) }
        var problems: [any Error & Sendable] = []
        for dup in weightMap.duplicateKeys() { problems.append(ShardIndexError.duplicateEntry(index: indexPath, tensor: dup)) }
        if weightMap.count == 0 { problems.append(ShardIndexError.emptyWeightMap(index: indexPath)) }

        var assignment: [String: String] = [:]
        var shardOrder: [String] = []
        for (tensor, value) in weightMap.entries {
            guard case .string(let shard) = value else {
                problems.append(ShardIndexError.weightMapEntryNotString(index: indexPath, tensor: tensor, found: value.typeName)); continue
            }
            if assignment[tensor] == nil { assignment[tensor] = shard }
            if !shardOrder.contains(shard) { shardOrder.append(shard) }
        }
        let dir = FileSystem.directory(of: indexPath)
        var files: [MappedFile] = []
        var tensors: [TensorInfo] = []
        var shardMetadata: [String: String] = [:]
        for shard in shardOrder {
            let shardPath: String
            do { shardPath = try ShardIndexError.resolve(shard: shard, index: indexPath, directory: dir) } catch { problems.append(error); continue }
            let file: MappedFile
            do { file = try MappedFile(path: shardPath) } catch { problems.append(error); continue }
            switch SafetensorsHeader.validate(file.bytes, file: shardPath, fileIndex: files.count) {
            case .failure(let p): problems.append(contentsOf: p.problems as [any Error & Sendable]); continue
            case .success(let header):
                let present = Set(header.tensors.map(\.name))
                for t in header.tensors {
                    switch assignment[t.name] {
                    case nil: problems.append(ShardIndexError.tensorNotInIndex(index: indexPath, tensor: t.name, shard: shard))
                    case let other? where other != shard:
                        problems.append(ShardIndexError.tensorAssignedElsewhere(index: indexPath, tensor: t.name, shard: shard, assigned: other))
                    default: tensors.append(t)
                    }
                }
                for (tensor, s) in assignment where s == shard && !present.contains(tensor) {
                    problems.append(ShardIndexError.tensorMissingFromShard(index: indexPath, tensor: tensor, shard: shard))
                }
                for (k, v) in header.metadata where shardMetadata[k] == nil { shardMetadata[k] = v }
                files.append(file)
            }
        }
        if !problems.isEmpty {
            if problems.count == 1 { throw problems[0] }
            throw ShardedCheckpointProblems(index: indexPath, problems: problems)
        }
        var metadata = shardMetadata
        if case .object(let m)? = obj["metadata"] {
            for (k, v) in m.entries { metadata["index." + k] = v.stringValue ?? v.serialized() }
        }
        return MappedCheckpoint(path: indexPath, format: .shardedSafetensors, files: files, tensors: tensors,
                                metadata: metadata, modelConfig: try FileSystem.modelConfig(besides: indexPath))
    }
}
