import WeightKitCheckpoints

/// Sharded Keras-family checkpoints, each through its index:
/// - Keras 3 `save_weights("x.weights.json", max_shard_size=…)`: `weight_map` from a vars group
///   path ("/layers/dense/vars", leading slash) to one shard or a list of shards (one group can
///   span shards); tensor names as in a single `.weights.h5`.
/// - Hugging Face `tf_model.h5.index.json`: `weight_map` from a weight name with the model-class
///   prefix ("tf_bert_model/bert/…:0") to a shard whose root `layer_names` lists the names without
///   that prefix; tensor names are the index's.
/// The index is an allowlist, as for safetensors: every shard tensor must be assigned to that
/// shard, every assignment must be found, and every named shard must exist.
public enum ShardedKerasReader {
    public static func open(index indexPath: String, includeAll: Bool = false) throws -> CompositeCheckpoint {
        let root = try FileSystem.readJSON(indexPath)
        guard case .object(let obj) = root else {
            throw ShardIndexError.notAnObject(index: indexPath, found: root.typeName)
        }
        guard case .object(let map)? = obj["weight_map"] else {
            throw ShardIndexError.missingWeightMap(index: indexPath)
        }
        var problems: [any Error & Sendable] = []
        for d in map.duplicateKeys() { problems.append(ShardIndexError.duplicateEntry(index: indexPath, tensor: d)) }
        // key → shards
        var assignment: [(key: String, shards: [String])] = []
        var shardOrder: [String] = []
        for (key, value) in map.entries {
            let shards: [String]
            switch value {
            case .string(let s): shards = [s]
            case .array(let a) where a.allSatisfy({ $0.stringValue != nil }): shards = a.compactMap(\.stringValue)
            default:
                problems.append(
                    ShardIndexError.weightMapEntryNotString(index: indexPath, tensor: key, found: value.typeName));
                continue
            }
            assignment.append((key, shards))
            for s in shards where !shardOrder.contains(s) { shardOrder.append(s) }
        }
        let dir = FileSystem.directory(of: indexPath)
        var parts: [KerasCheckpoint] = []
        var partIndex: [String: Int] = [:]
        for shard in shardOrder {
            let p: String
            do { p = try ShardIndexError.resolve(shard: shard, index: indexPath, directory: dir) } catch {
                problems.append(error); continue
            }
            do {
                partIndex[shard] = parts.count
                parts.append(try KerasReader.open(p, includeAll: true))
            } catch {
                partIndex[shard] = nil
                problems.append(error)
            }
        }
        guard problems.isEmpty else {
            throw problems.count == 1 ? problems[0] : ShardedCheckpointProblems(index: indexPath, problems: problems)
        }

        let isHF = parts.contains { $0.metadata["keras.layout"] == KerasLayout.hfShard.rawValue }
        var members: [CompositeCheckpoint.Member] = []
        var claimed: [Int: Set<String>] = [:]
        for (key, shards) in assignment {
            if isHF {
                // "tf_bert_model/bert/…" is stored in its shard as "bert/…".
                let stored =
                    key.split(separator: "/", maxSplits: 1).count == 2
                    ? String(key.split(separator: "/", maxSplits: 1)[1]) : key
                guard let shard = shards.first, let pi = partIndex[shard] else { continue }
                guard let t = parts[pi].info(named: stored) else {
                    problems.append(
                        ShardIndexError.tensorMissingFromShard(index: indexPath, tensor: key, shard: shard));
                    continue
                }
                claimed[pi, default: []].insert(stored)
                members.append(.init(name: key, part: pi, source: t, annotation: parts[pi].annotations[stored]))
            } else {
                let group = key.hasPrefix("/") ? String(key.dropFirst()) : key
                if !includeAll, group.hasPrefix("optimizer") || group.hasPrefix("metrics") {
                    for shard in shards {
                        if let pi = partIndex[shard] {
                            claimed[pi, default: []].formUnion(
                                parts[pi].tensors.filter { $0.name.hasPrefix(group + "/") }.map(\.name))
                        }
                    }
                    continue
                }
                var found: [(Int, TensorInfo)] = []
                for shard in shards {
                    guard let pi = partIndex[shard] else { continue }
                    for t in parts[pi].tensors where KerasStructureReader.parentPath(t.name) == group {
                        found.append((pi, t))
                        claimed[pi, default: []].insert(t.name)
                    }
                }
                if found.isEmpty {
                    problems.append(
                        ShardIndexError.tensorMissingFromShard(
                            index: indexPath, tensor: key, shard: shards.joined(separator: ", ")))
                }
                found.sort {
                    (Int(FileSystem.lastComponent(of: $0.1.name)) ?? 0)
                        < (Int(FileSystem.lastComponent(of: $1.1.name)) ?? 0)
                }
                for (pi, t) in found {
                    members.append(.init(name: t.name, part: pi, source: t, annotation: parts[pi].annotations[t.name]))
                }
            }
        }
        // The allowlist: a shard tensor no index entry claims.
        for (pi, part) in parts.enumerated() {
            for t in part.tensors where !(claimed[pi]?.contains(t.name) ?? false) {
                if !isHF, !includeAll, t.name.hasPrefix("optimizer/") || t.name.hasPrefix("metrics/") { continue }
                problems.append(
                    ShardIndexError.tensorNotInIndex(
                        index: indexPath, tensor: t.name, shard: FileSystem.lastComponent(of: part.path)))
            }
        }
        guard problems.isEmpty else {
            throw problems.count == 1 ? problems[0] : ShardedCheckpointProblems(index: indexPath, problems: problems)
        }
        var metadata = parts.first?.metadata ?? [:]
        metadata["keras.layout"] = isHF ? "hf-sharded" : "keras3-sharded"
        if case .object(let m)? = obj["metadata"] {
            for (k, v) in m.entries { metadata["index." + k] = v.stringValue ?? v.serialized() }
        }
        return CompositeCheckpoint(
            path: indexPath, format: .kerasShardedH5, parts: parts, members: members,
            metadata: metadata, modelConfig: try FileSystem.modelConfig(besides: indexPath))
    }
}
