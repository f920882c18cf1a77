/// A container format WeightKit reads, named by a stable string (`inspect --json`, `check --json`
/// print it). The type is open, as swift-system's `Errno` is: each module declares the formats it
/// reads as static members in an extension of its own, so adding a format touches no list here.
public struct CheckpointFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

extension CheckpointFormat {
    /// One `.safetensors` file.
    public static let safetensors = CheckpointFormat(rawValue: "safetensors")
    /// `model.safetensors.index.json` with its safetensors shards.
    public static let shardedSafetensors = CheckpointFormat(rawValue: "safetensors-sharded")
    /// WeightKit's own memory-mappable format.
    public static let wkc = CheckpointFormat(rawValue: "wkc")
}
