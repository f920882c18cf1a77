/// One checkpoint format family's way in: recognise a file by its content, open it, and check it
/// deeply. `WeightKitFormats` keeps the one list of readers (`Checkpoints.readers`); adding a
/// format is one conforming type and one line in that list (Docs/adding-a-format.md).
public protocol CheckpointReader {
    /// The formats this reader's checkpoints can report.
    static var formats: [CheckpointFormat] { get }
    /// The file names this reader would open when a user names a directory.
    static var directoryEntries: [DirectoryEntry] { get }
    /// Whether this reader opens the probed file, judged from its content (never its name). A
    /// file the reader knows but refuses (a pre-1.6 torch pickle) throws its error here.
    static func recognizes(_ probe: CheckpointProbe) throws -> Bool
    /// Opens the file. Must call `options.threadsMayStart()` once, as soon as the caller may start
    /// threads (at once, unless the reader forks a probe process first).
    static func open(_ path: String, options: CheckpointOpenOptions) throws -> any Checkpoint
    /// The deep integrity check behind `weightkit check`: every structural rule and every checksum
    /// the format carries. Problems come back in the result; it throws only when the file cannot
    /// be read at all.
    static func check(_ path: String, progress: ProgressHandler?) throws -> CheckResult
    /// The file to open for a path that names a checkpoint without being its file (a TensorFlow
    /// prefix, one data shard of it, a directory with a state file), or nil.
    static func resolve(_ path: String) -> String?
}

extension CheckpointReader {
    public static func resolve(_ path: String) -> String? { nil }
}

/// What a reader may look at to recognise a file, read once for all readers.
public struct CheckpointProbe: @unchecked Sendable {
    public let path: String
    public let file: MappedFile
    /// The file's bytes (mapped; readers look at the first few).
    public var bytes: UnsafeRawBufferPointer { file.bytes }
    /// The shard index, when the file is a JSON object with a `weight_map` key (under 64 MiB).
    public let shardIndex: ShardIndexSniff?

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        shardIndex = ShardIndexSniff(path: path, bytes: file.bytes)
    }
}

/// A JSON shard index as the sniffer sees it: the document and the shard files it names, in the
/// order they first appear (one reader per index kind decides from these whose index it is).
public struct ShardIndexSniff: Sendable {
    public let path: String
    public let document: JSONValue
    /// Every shard name in `weight_map` (a value may be one name or a list), first appearance order.
    public let shards: [String]

    init?(path: String, bytes: UnsafeRawBufferPointer) {
        guard bytes.count < (64 << 20),
            bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{"),
            let root = try? JSONParser.parse(bytes), let map = root["weight_map"]
        else { return nil }
        var shards: [String] = []
        var seen = Set<String>()
        for (_, value) in map.objectValue?.entries ?? [] {
            for name in value.stringValue.map({ [$0] }) ?? value.arrayValue?.compactMap(\.stringValue) ?? []
            where seen.insert(name).inserted {
                shards.append(name)
            }
        }
        self.path = path
        document = root
        self.shards = shards
    }

    /// The first shard's path, when it is a plain file name beside the index that exists.
    public var firstShardPath: String? {
        guard let first = shards.first else { return nil }
        return try? ShardIndexError.resolve(shard: first, index: path, directory: FileSystem.directory(of: path))
    }
}

/// How to open: what to list, and when the caller may start threads of its own.
public struct CheckpointOpenOptions: Sendable {
    /// Also list optimizer and metric state in Keras files (normally skipped).
    public var includeAll = false
    /// Called once during the open, as soon as the caller may start threads of its own: at
    /// once for formats read in-process; right after the fork of an HDF5 file's probe
    /// process, which a thread running at that moment could hang; after the last shard's probe
    /// for a sharded Keras checkpoint. Not called if the open fails first.
    public var whenThreadsMayStart: (@Sendable () -> Void)?
    public init(includeAll: Bool = false, whenThreadsMayStart: (@Sendable () -> Void)? = nil) {
        self.includeAll = includeAll
        self.whenThreadsMayStart = whenThreadsMayStart
    }
    /// Tells the caller that threads may start now.
    public func threadsMayStart() { whenThreadsMayStart?() }
}

/// A file name a reader opens from a directory: by suffix, as an index (whose shards are then not
/// candidates) or a single file. Lower `rank` wins: rank 1 (PyTorch `.bin`) is opened only when
/// the directory holds no rank-0 checkpoint, as transformers prefers safetensors.
public struct DirectoryEntry: Sendable {
    /// An index names shards (which are then not candidates); a single file holds the whole checkpoint.
    public enum Role: Sendable { case index, single }
    public var suffix: String
    public var role: Role
    public var rank: Int
    public init(suffix: String, role: Role, rank: Int = 0) {
        self.suffix = suffix
        self.role = role
        self.rank = rank
    }
}

/// The outcome of a reader's deep check: what was covered, and every problem found.
public struct CheckResult: Sendable {
    public var path: String
    public var format: CheckpointFormat
    public var tensorCount = 0
    public var checkedBytes = 0
    /// What the check covered beyond structure.
    public var notes: [String] = []
    public var problems: [String] = []
    public var passed: Bool { problems.isEmpty }

    public init(path: String, format: CheckpointFormat) {
        self.path = path
        self.format = format
    }

    /// Reads every tensor of an opened checkpoint, each read failure a problem (for formats whose
    /// only integrity evidence is that every dataset can be read).
    public static func readingEveryTensor(_ c: any Checkpoint, note: String) -> CheckResult {
        var result = CheckResult(path: c.path, format: c.format)
        result.tensorCount = c.tensors.count
        for t in c.tensors {
            do { result.checkedBytes += try c.view(t).bytes.count } catch { result.problems.append("\(error)") }
        }
        result.notes.append(note)
        return result
    }
}
