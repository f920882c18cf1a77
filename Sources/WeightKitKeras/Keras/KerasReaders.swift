import WeightKitCheckpoints

extension CheckpointFormat {
    /// Keras 2 / Keras 3 legacy `.h5` and Hugging Face `tf_model.h5`.
    public static let kerasLegacyH5 = CheckpointFormat(rawValue: "keras-legacy-h5")
    /// Keras 3 `.weights.h5`.
    public static let keras3WeightsH5 = CheckpointFormat(rawValue: "keras3-weights-h5")
    /// `.keras` zip archive, Keras 3 or tf_keras.
    public static let kerasArchive = CheckpointFormat(rawValue: "keras-archive")
    /// Sharded Keras 3 `.weights.json` or Hugging Face `tf_model.h5.index.json`.
    public static let kerasShardedH5 = CheckpointFormat(rawValue: "keras-sharded-h5")
}

/// Keras and Hugging Face HDF5 files carry no checksums: libhdf5 validates the structure on open
/// (in a forked probe), and reading every dataset checks the rest.
private func checkByReading(_ path: String, open: (String) throws -> any Checkpoint) throws -> CheckResult {
    CheckResult.readingEveryTensor(
        try open(path), note: "HDF5 structure and every dataset readable; Keras HDF5 files carry no checksums")
}

extension KerasReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.kerasLegacyH5, .keras3WeightsH5]
    public static let directoryEntries = [DirectoryEntry(suffix: ".h5", role: .single)]
    public static func recognizes(_ probe: CheckpointProbe) -> Bool { looksLikeHDF5(probe.bytes) }
    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        try open(path, includeAll: options.includeAll, afterFork: options.whenThreadsMayStart)
    }
    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        try checkByReading(path) { try open($0) }
    }
}

extension KerasArchiveReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.kerasArchive]
    public static let directoryEntries = [DirectoryEntry(suffix: ".keras", role: .single)]
    /// Any zip: the registry asks the `torch.save` reader first.
    public static func recognizes(_ probe: CheckpointProbe) -> Bool { looksLikeZip(probe.bytes) }
    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        try open(path, includeAll: options.includeAll, afterFork: options.whenThreadsMayStart)
    }
    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        try checkByReading(path) { try open($0) }
    }
}

extension ShardedKerasReader: CheckpointReader {
    public static let formats: [CheckpointFormat] = [.kerasShardedH5]
    public static let directoryEntries = [
        DirectoryEntry(suffix: ".h5.index.json", role: .index), DirectoryEntry(suffix: ".weights.json", role: .index),
    ]
    /// A JSON shard index whose shards are `.h5` files.
    public static func recognizes(_ probe: CheckpointProbe) -> Bool {
        probe.shardIndex?.shards.contains { $0.hasSuffix(".h5") } ?? false
    }
    public static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint {
        let sharded = try open(index: path, includeAll: options.includeAll)
        options.threadsMayStart()
        return sharded
    }
    public static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult {
        try checkByReading(path) { try open(index: $0) }
    }
}
