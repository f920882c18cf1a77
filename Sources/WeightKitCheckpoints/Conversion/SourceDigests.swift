import Dispatch

/// SHA-256 digests of a checkpoint's source files for `.wkc` provenance, computed on another core
/// while the caller writes, releasing each hashed chunk's pages so memory stays flat.
public final class SourceDigests: @unchecked Sendable {
    private let files: [MappedFile]
    private var digests: [String]
    private let group = DispatchGroup()

    /// Starts hashing every file behind `checkpoint` (and its index, for sharded safetensors).
    public init(_ checkpoint: any Checkpoint) throws {
        var paths = checkpoint.files
        if checkpoint.format == .shardedSafetensors { paths.insert(checkpoint.path, at: 0) }
        files = try paths.map { try MappedFile(path: $0) }
        digests = [String](repeating: String(repeating: "0", count: 64), count: files.count)
        DispatchQueue.global().async(group: group) { [self] in
            for (i, f) in files.enumerated() {
                digests[i] = SHA256Digest.hex(of: f.bytes) { f.releaseResidentPages(offset: $0, count: $1) }
            }
        }
    }

    /// Placeholder entries of the final width (the header is sized with these).
    public var placeholders: [WKCProvenance.SourceFile] {
        files.map { .init(name: FileSystem.lastComponent(of: $0.path), bytes: $0.size, sha256: String(repeating: "0", count: 64)) }
    }

    /// Waits for the digests and fills them into a provenance.
    public func complete(_ provenance: inout WKCProvenance) {
        group.wait()
        for i in provenance.sourceFiles.indices where i < digests.count { provenance.sourceFiles[i].sha256 = digests[i] }
    }
}
