/// Opens the formats of this module (safetensors, sharded safetensors, `.wkc`), recognising the
/// format by content, not by name. `WeightKitFormats.Checkpoints` adds the HDF5 formats.
public enum CheckpointOpener {
    /// What a path holds, judged from its first bytes (or, for a directory, its contents).
    public static func detectFormat(_ path: String) throws -> CheckpointFormat {
        if FileSystem.isDirectory(path) { return .shardedSafetensors }
        let file = try MappedFile(path: path)
        let b = file.bytes
        if b.count >= 8, WKCFormat.magic.indices.allSatisfy({ b[$0] == WKCFormat.magic[$0] }) { return .wkc }
        // A JSON document with a weight_map is a shard index.
        var i = 0
        while i < min(b.count, 4096), [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "{"), b.count < (64 << 20) {
            if case .object(let o)? = try? JSONParser.parse(b), o["weight_map"] != nil { return .shardedSafetensors }
        }
        // safetensors: 8-byte little-endian length, then a JSON object (possibly after spaces).
        if b.count >= 9 {
            let n = b.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
            var j = 8
            while j < b.count, j < 8 + 4096, b[j] == 0x20 { j += 1 }
            // A '{' after the length is safetensors even when the length is absurd: the reader
            // then names the rule it breaks, rather than "not a checkpoint".
            if n > 0, j < b.count, b[j] == UInt8(ascii: "{") { return .safetensors }
        }
        throw UnrecognizedFormat(path: path, size: b.count)
    }

    public static func open(_ path: String) throws -> any Checkpoint {
        guard FileSystem.exists(path) else { throw FileError(path: path, operation: "open", code: 2) }
        if FileSystem.isDirectory(path) { return try openDirectory(path) }
        switch try detectFormat(path) {
        case .wkc: return try WKCReader.open(path)
        case .shardedSafetensors: return try SafetensorsReader.openSharded(index: path)
        case .safetensors: return try SafetensorsReader.open(path)
        case .kerasLegacyH5, .keras3WeightsH5, .kerasArchive, .kerasShardedH5, .pytorch, .shardedPyTorch:
            throw UnrecognizedFormat(path: path, size: nil)  // detectFormat never returns these
        }
    }

    /// A directory: its `*.safetensors.index.json`, or its single `.safetensors` / `.wkc` file.
    static func openDirectory(_ path: String) throws -> any Checkpoint {
        let names = try FileSystem.contents(ofDirectory: path)
        let indexes = names.filter { $0.hasSuffix(".safetensors.index.json") }
        if indexes.count == 1 { return try SafetensorsReader.openSharded(index: FileSystem.join(path, indexes[0])) }
        if indexes.count > 1 { throw AmbiguousDirectory(path: path, candidates: indexes) }
        let singles = names.filter { $0.hasSuffix(".safetensors") || $0.hasSuffix(".wkc") }
        if singles.count == 1 { return try open(FileSystem.join(path, singles[0])) }
        if singles.isEmpty { throw UnrecognizedFormat(path: path, size: nil) }
        throw AmbiguousDirectory(path: path, candidates: singles)
    }
}

public struct UnrecognizedFormat: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var size: Int?
    public init(path: String, size: Int?) { self.path = path; self.size = size }
    public var description: String {
        if size == nil { return "\(path): directory holds no checkpoint (no *.safetensors.index.json, .safetensors, .wkc, .h5, .keras, pytorch_model.bin or .pt file)" }
        return "\(path): not a checkpoint WeightKit reads (not safetensors, a shard index, .wkc, HDF5, .keras or a torch.save zip)"
    }
}

public struct AmbiguousDirectory: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var candidates: [String]
    public init(path: String, candidates: [String]) { self.path = path; self.candidates = candidates }
    public var description: String { "\(path): directory holds several checkpoints (\(candidates.joined(separator: ", "))); name one" }
}
