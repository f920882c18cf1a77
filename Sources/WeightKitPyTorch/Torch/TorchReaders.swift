import WeightKitCheckpoints

extension CheckpointFormat {
    /// `torch.save` zip archive: `pytorch_model.bin`, `.pt`, `.pth`.
    public static let pytorch = CheckpointFormat(rawValue: "pytorch-zip")
    /// `pytorch_model.bin.index.json` with `torch.save` shards.
    public static let shardedPyTorch = CheckpointFormat(rawValue: "pytorch-sharded")
}

extension TorchReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.pytorch]
    public static let directoryEntries = [".bin", ".pt", ".pth"].map {
        DirectoryEntry(suffix: $0, role: .single, rank: 1)
    }

    /// A zip holding `data.pkl`; a pre-1.6 torch file is refused here, by name.
    public static func recognizes(_ probe: CheckpointProbe) throws -> Bool {
        if let legacy = legacyKind(probe.bytes) {
            throw TorchFormatError.legacyFormat(file: probe.path, detail: legacy)
        }
        return isTorchArchive(probe.file)
    }

    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        options.threadsMayStart()
        return try open(path)
    }

    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        try checkRecords(path, format: .pytorch) { try open($0) }
    }

    /// Opening validates the zip directory, the pickle and every tensor against its storage;
    /// torch.save records carry CRC-32s, so every byte is checked too.
    static func checkRecords(_ path: String, format: CheckpointFormat, open: (String) throws -> any Checkpoint) throws
        -> CheckResult
    {
        var result = CheckResult(path: path, format: format)
        let c: any Checkpoint
        do { c = try open(path) } catch let e as TorchFormatError {
            result.problems = [e.description]
            return result
        } catch let e as ShardedCheckpointProblems {
            result.problems = e.problemDescriptions
            return result
        } catch let e as ShardIndexError {
            result.problems = [e.description]
            return result
        }
        result.tensorCount = c.tensors.count
        let parts = (c as? CompositeCheckpoint)?.parts ?? [c]
        var records = 0
        for case let part as TorchCheckpoint in parts {
            result.problems += part.verifyRecords()
            records += part.recordCount
            result.checkedBytes += FileSystem.fileSize(part.path) ?? 0
        }
        result.notes.append("zip directory, pickle and tensor extents valid; CRC-32 of all \(records) records verified")
        return result
    }
}
