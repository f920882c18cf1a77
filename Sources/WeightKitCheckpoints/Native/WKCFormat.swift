/// WeightKit's native checkpoint format, `.wkc`: memory-mappable, every tensor 64-byte aligned,
/// every byte covered by a checksum. The full specification is `Schemas/wkc-format.md`; the
/// header's JSON Schema is `Schemas/wkc-header.schema.json`.
///
/// Layout:
///
///     0   8 bytes  magic 0x89 'W' 'K' 'C' '\r' '\n' 0x1A '\n'
///     8   u32 LE   format version (1)
///     12  u32 LE   CRC-32 of the header JSON bytes
///     16  u64 LE   header length H
///     24  H bytes  header JSON (UTF-8)
///         zero bytes up to the data section start, align64(24 + H)
///         data section: tensors at 64-byte-aligned offsets, zero bytes between them
public enum WKCFormat {
    public static let magic: [UInt8] = [0x89, 0x57, 0x4B, 0x43, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The version of files whose tensors are all plain row-major arrays.
    public static let version: UInt32 = 1
    /// The version of files with at least one tensor in a blocked layout (`"layout"`, packed
    /// bf16 / int8 weights): readers of version 1 would misread such a tensor, so they must refuse it.
    public static let layoutVersion: UInt32 = 2
    public static let supportedVersions: ClosedRange<UInt32> = 1...2
    public static let prefixSize = 24
    public static let alignment = 64
    public static let maximumHeaderLength = 100_000_000

    @inline(__always)
    public static func align(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
}

/// The model a `.wkc` file is ready for: the architecture name and its resolved config.
public struct WKCModelSection: Sendable, Equatable {
    public var architecture: String
    public var config: JSONValue
    public init(architecture: String, config: JSONValue) {
        self.architecture = architecture
        self.config = config
    }
}

/// Where a `.wkc` file came from and what was done on the way.
public struct WKCProvenance: Sendable, Equatable {
    /// A source file of a conversion: name, size and SHA-256, as the provenance records it.
    public struct SourceFile: Sendable, Equatable {
        public var name: String
        public var bytes: Int
        public var sha256: String
        public init(name: String, bytes: Int, sha256: String) {
            self.name = name; self.bytes = bytes; self.sha256 = sha256
        }
    }
    /// File name (last path component) of what was converted: a file, or an index.
    public var sourceName: String
    public var sourceFormat: String
    /// Every source file with its SHA-256 (one for a single file; the index and each shard otherwise).
    public var sourceFiles: [SourceFile]
    public var tool: String
    /// UTC creation time, ISO 8601.
    public var created: String
    /// Transforms applied on the way, each an object with at least a "kind".
    public var transforms: [JSONValue]

    public init(
        sourceName: String, sourceFormat: String, sourceFiles: [SourceFile], tool: String, created: String,
        transforms: [JSONValue]
    ) {
        self.sourceName = sourceName
        self.sourceFormat = sourceFormat
        self.sourceFiles = sourceFiles
        self.tool = tool
        self.created = created
        self.transforms = transforms
    }

    var json: JSONValue {
        .object([
            "source_name": .string(sourceName),
            "source_format": .string(sourceFormat),
            "source_files": .array(
                sourceFiles.map {
                    .object(["name": .string($0.name), "bytes": .int($0.bytes), "sha256": .string($0.sha256)])
                }),
            "tool": .string(tool),
            "created": .string(created),
            "transforms": .array(transforms),
        ])
    }
}

/// The version this build of WeightKit reports, and the tool string written into provenance.
public enum WeightKitVersion {
    public static let string = "0.1.0"
    public static var tool: String { "weightkit \(string)" }
}
