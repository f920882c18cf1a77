#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// SHA-256 digests of a checkpoint's source files for `.wkc` provenance, computed on another core
/// while the caller writes, releasing each hashed chunk's pages so memory stays flat.
///
/// A command that knows it will write a `.wkc` can call `startEarly(_:)` with the source path
/// while opening it: hashing then overlaps the open itself, and `init` picks the digest up if
/// the file is still the same one (device, inode, size, modification time). Call it from
/// `Checkpoints.Options.whenThreadsMayStart`, not before the open: a thread running when an
/// HDF5 file's probe process is forked could leave a lock held in the child.
public final class SourceDigests: @unchecked Sendable {
    private let jobs: [Job]

    /// Starts hashing every file behind `checkpoint` (and its index, for sharded safetensors),
    /// reusing a digest already under way for an unchanged file.
    public init(_ checkpoint: any Checkpoint) throws {
        var paths = checkpoint.files
        if checkpoint.format == .shardedSafetensors { paths.insert(checkpoint.path, at: 0) }
        jobs = try paths.map { try Self.takeEarly($0) ?? Job(path: $0) }
    }

    /// Starts hashing `path` now if it is a regular file (otherwise does nothing).
    public static func startEarly(_ path: String) {
        guard let job = try? Job(path: path) else { return }
        registry.sync { early[path] = job }
    }

    /// Placeholder entries of the final width (the header is sized with these).
    public var placeholders: [WKCProvenance.SourceFile] {
        jobs.map {
            .init(
                name: FileSystem.lastComponent(of: $0.file.path), bytes: $0.file.size,
                sha256: String(repeating: "0", count: 64))
        }
    }

    /// Waits for the digests and fills them into a provenance.
    public func complete(_ provenance: inout WKCProvenance) {
        for i in provenance.sourceFiles.indices where i < jobs.count {
            provenance.sourceFiles[i].sha256 = jobs[i].wait()
        }
    }

    private static let registry = DispatchQueue(label: "weightkit.source-digests")
    nonisolated(unsafe) private static var early: [String: Job] = [:]

    private static func takeEarly(_ path: String) -> Job? {
        guard let job = registry.sync(execute: { early.removeValue(forKey: path) }) else { return nil }
        return job.identity == FileIdentity(path: path) ? job : nil
    }

    /// One file, mapped and hashed on a background thread from creation.
    private final class Job: @unchecked Sendable {
        let file: MappedFile
        let identity: FileIdentity?
        private var digest = String(repeating: "0", count: 64)
        private let group = DispatchGroup()

        init(path: String) throws {
            identity = FileIdentity(path: path)
            file = try MappedFile(path: path)
            DispatchQueue.global().async(group: group) { [self] in
                digest = SHA256Digest.hex(of: file.bytes) { self.file.releaseResidentPages(offset: $0, count: $1) }
            }
        }

        func wait() -> String {
            group.wait()
            return digest
        }
    }
}

/// What tells two states of a path apart without reading it: device, inode, size, modification time.
struct FileIdentity: Equatable {
    let device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        #if canImport(Darwin)
        seconds = Int(st.st_mtimespec.tv_sec)
        nanoseconds = Int(st.st_mtimespec.tv_nsec)
        #else
        seconds = Int(st.st_mtim.tv_sec)
        nanoseconds = Int(st.st_mtim.tv_nsec)
        #endif
    }
}
