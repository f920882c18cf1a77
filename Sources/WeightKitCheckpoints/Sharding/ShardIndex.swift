/// Sharded checkpoints (safetensors, `torch.save`): an index such as `model.safetensors.index.json`
/// with a `weight_map` from tensor name to shard file, as Hugging Face writes it. The index is an
/// allowlist: every tensor of every shard must be assigned to that shard by the index, and every
/// assigned tensor must be there.
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
        case let .weightMapEntryNotString(i, t, found):
            return "\(i): weight_map entry for tensor '\(t)' must be a file name, found \(found)"
        case let .duplicateEntry(i, t): return "\(i): tensor '\(t)' appears more than once in weight_map"
        case let .unsafeShardName(i, s): return "\(i): shard name '\(s)' is not a plain file name beside the index"
        case let .missingShard(i, s): return "\(i): shard '\(s)' named by the index does not exist"
        case let .tensorMissingFromShard(i, t, s):
            return "\(i): tensor '\(t)' is assigned to shard '\(s)' but that shard does not contain it"
        case let .tensorAssignedElsewhere(i, t, s, a):
            return "\(i): shard '\(s)' contains tensor '\(t)', which the index assigns to '\(a)'"
        case let .tensorNotInIndex(i, t, s):
            return "\(i): shard '\(s)' contains tensor '\(t)', which the index does not list"
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

/// A parsed shard index (`*.safetensors.index.json`, `pytorch_model.bin.index.json`): which shard
/// holds which tensor. Problems are collected, not thrown, so a reader can report them all.
public struct ShardIndex: Sendable {
    public let path: String
    public let assignment: [String: String]
    /// Shards in the order the index first names them.
    public let shards: [String]
    /// The index's own `metadata` object, keys prefixed with `index.`.
    public let metadata: [String: String]
    public var problems: [any Error & Sendable]

    public static func read(_ indexPath: String) throws -> ShardIndex {
        let root = try FileSystem.readJSON(indexPath)
        guard case .object(let obj) = root else {
            throw ShardIndexError.notAnObject(index: indexPath, found: root.typeName)
        }
        guard case .object(let weightMap)? = obj["weight_map"] else {
            throw ShardIndexError.missingWeightMap(index: indexPath)
        }
        var problems: [any Error & Sendable] = []
        for dup in weightMap.duplicateKeys() {
            problems.append(ShardIndexError.duplicateEntry(index: indexPath, tensor: dup))
        }
        if weightMap.count == 0 { problems.append(ShardIndexError.emptyWeightMap(index: indexPath)) }
        var assignment: [String: String] = [:]
        var shards: [String] = []
        var seen = Set<String>()
        for (tensor, value) in weightMap.entries {
            guard case .string(let shard) = value else {
                problems.append(
                    ShardIndexError.weightMapEntryNotString(index: indexPath, tensor: tensor, found: value.typeName));
                continue
            }
            if assignment[tensor] == nil { assignment[tensor] = shard }
            if seen.insert(shard).inserted { shards.append(shard) }
        }
        var metadata: [String: String] = [:]
        if case .object(let m)? = obj["metadata"] {
            for (k, v) in m.entries { metadata["index." + k] = v.stringValue ?? v.serialized() }
        }
        return ShardIndex(
            path: indexPath, assignment: assignment, shards: shards, metadata: metadata, problems: problems)
    }

    public var directory: String { FileSystem.directory(of: path) }

    /// The path of a shard, or nil with the problem recorded.
    public mutating func resolve(_ shard: String) -> String? {
        do { return try ShardIndexError.resolve(shard: shard, index: path, directory: directory) } catch {
            problems.append(error); return nil
        }
    }

    /// Which of a shard's tensors the index assigns to it (their positions in `names`); every
    /// disagreement either way is recorded.
    public mutating func accept(_ names: [String], inShard shard: String) -> [Int] {
        var kept: [Int] = []
        for (i, name) in names.enumerated() {
            switch assignment[name] {
            case nil: problems.append(ShardIndexError.tensorNotInIndex(index: path, tensor: name, shard: shard))
            case let other? where other != shard:
                problems.append(
                    ShardIndexError.tensorAssignedElsewhere(index: path, tensor: name, shard: shard, assigned: other))
            default: kept.append(i)
            }
        }
        let present = Set(names)
        for (tensor, s) in assignment.sorted(by: { $0.key < $1.key }) where s == shard && !present.contains(tensor) {
            problems.append(ShardIndexError.tensorMissingFromShard(index: path, tensor: tensor, shard: shard))
        }
        return kept
    }

    /// Throws what was collected: the single problem, or all of them together.
    public func throwProblems() throws {
        if problems.count == 1 { throw problems[0] }
        if !problems.isEmpty { throw ShardedCheckpointProblems(index: path, problems: problems) }
    }
}

extension ShardIndex {
    /// Opens a sharded checkpoint of any kind whose index is a `weight_map` from tensor name to
    /// shard file (safetensors, `torch.save`): every shard through `openShard`, every tensor
    /// checked against the index, every problem reported together.
    public static func openComposite(
        index indexPath: String, format: CheckpointFormat,
        openShard: (String) throws -> any Checkpoint
    ) throws -> CompositeCheckpoint {
        var index = try ShardIndex.read(indexPath)
        var parts: [any Checkpoint] = []
        var members: [CompositeCheckpoint.Member] = []
        var metadata: [String: String] = [:]
        for shard in index.shards {
            guard let shardPath = index.resolve(shard) else { continue }
            let part: any Checkpoint
            do { part = try openShard(shardPath) } catch let list as ProblemList {
                index.problems.append(contentsOf: list.problemList)
                continue
            } catch {
                index.problems.append(error)
                continue
            }
            for i in index.accept(part.tensors.map(\.name), inShard: shard) {
                members.append(.init(name: part.tensors[i].name, part: parts.count, source: part.tensors[i]))
            }
            for (k, v) in part.metadata where metadata[k] == nil { metadata[k] = v }
            parts.append(part)
        }
        try index.throwProblems()
        metadata.merge(index.metadata) { _, new in new }
        return CompositeCheckpoint(
            path: indexPath, format: format, parts: parts, members: members,
            metadata: metadata, modelConfig: try FileSystem.modelConfig(besides: indexPath))
    }
}
