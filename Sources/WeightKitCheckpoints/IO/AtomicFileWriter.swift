#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CWeightKitPlatform

/// Writes a file so that it appears complete or not at all: the bytes go to a temporary file in
/// the destination's directory, which is fsync'ed and then renamed over the destination (and the
/// directory fsync'ed). If the writer is dropped without `commit()`, the temporary file is removed.
/// A killed process can leave only a `.<name>.weightkit-tmp-*` file, never a partial destination.
///
/// On Linux, a file expected to reach `directWriteThreshold` bytes is streamed with direct I/O
/// (`DirectWriteStager`) when the file system allows it: the same bytes, without the page-cache
/// copy and writeback that dominate writing a few hundred megabytes. WEIGHTKIT_BUFFERED_WRITES=1
/// turns that off; WEIGHTKIT_DIRECT_WRITE_MIN_BYTES sets the threshold (64 MiB).
public final class AtomicFileWriter {
    public let destination: String
    public let temporaryPath: String
    private var fd: Int32
    var fileDescriptor: Int32 { fd }
    private var committed = false
    public private(set) var bytesWritten = 0
    #if os(Linux)
    private var stager: DirectWriteStager?
    #endif
    /// Whether the bulk of this file goes to disk with direct I/O.
    public var writesDirectly: Bool {
        #if os(Linux)
        return stager != nil
        #else
        return false
        #endif
    }

    public static var directWriteThreshold: Int {
        getenv("WEIGHTKIT_DIRECT_WRITE_MIN_BYTES").flatMap { Int(String(cString: $0)) } ?? 64 << 20
    }

    /// `expectedSize`: how large the file will be, when known (decides on direct I/O).
    public init(destination: String, expectedSize: Int = 0) throws(FileError) {
        self.destination = destination
        let (dir, base) = splitPath(destination)
        var template = Array("\(dir)/.\(base).weightkit-tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw FileError(path: destination, operation: "create a temporary file in \(dir)") }
        self.fd = fd
        self.temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // mkstemp creates 0600; give the result the usual permissions (umask applies).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        #if os(Linux)
        if expectedSize >= Self.directWriteThreshold, getenv("WEIGHTKIT_BUFFERED_WRITES") == nil {
            stager = DirectWriteStager(
                path: temporaryPath, bufferedFD: fd, errorPath: destination,
                errorOperation: "write (temporary file \(temporaryPath))")
        }
        #endif
    }

    deinit {
        #if os(Linux)
        stager = nil  // waits for writes in flight before the file is closed and removed
        #endif
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporaryPath)
        }
    }

    /// Appends bytes, retrying short writes.
    public func write(_ buffer: UnsafeRawBufferPointer) throws(FileError) {
        #if os(Linux)
        if let stager {
            try stager.append(buffer)
            bytesWritten += buffer.count
            return
        }
        #endif
        guard FileSystem.writeAll(fd, buffer) else {
            throw FileError(path: destination, operation: "write (temporary file \(temporaryPath))")
        }
        bytesWritten += buffer.count
        startWritebackIfDue()
    }

    private static let writebackInterval = 16 << 20
    private var writebackStart = 0

    /// On Linux, asks the kernel to start writing each 16 MiB to disk as soon as it is written
    /// (without waiting), so that the final fsync finds little left to do. The durability
    /// guarantee still comes from fsync in `commit()`.
    private func startWritebackIfDue() {
        if bytesWritten - writebackStart >= Self.writebackInterval {
            _ = wk_start_writeback(fd, Int64(writebackStart), Int64(bytesWritten - writebackStart))
            writebackStart = bytesWritten
        }
    }

    public func write(_ bytes: [UInt8]) throws(FileError) {
        var err: FileError?
        bytes.withUnsafeBytes { buf in
            do throws(FileError) { try self.write(buf) } catch { err = error }
        }
        if let err { throw err }
    }

    /// Accounts for bytes appended to the file descriptor directly (in-kernel copies).
    func noteAppended(_ count: Int) {
        bytesWritten += count
        startWritebackIfDue()
    }

    public func writeZeros(_ count: Int) throws(FileError) {
        guard count > 0 else { return }
        try write([UInt8](repeating: 0, count: count))
    }

    /// Flushes what was written so far to disk (fsync), without closing. Lets a caller overlap
    /// the flush of the bulk data with other work before `commit()`.
    public func sync() throws(FileError) {
        try finishDirectWrites()
        guard fsync(fd) == 0 else {
            throw FileError(path: destination, operation: "fsync (temporary file \(temporaryPath))")
        }
    }

    /// Makes the file durable and moves it into place.
    public func commit() throws(FileError) {
        try finishDirectWrites()
        guard fsync(fd) == 0 else {
            throw FileError(path: destination, operation: "fsync (temporary file \(temporaryPath))")
        }
        guard close(fd) == 0 else {
            fd = -1; throw FileError(path: destination, operation: "close (temporary file \(temporaryPath))")
        }
        fd = -1
        guard rename(temporaryPath, destination) == 0 else {
            throw FileError(path: destination, operation: "rename \(temporaryPath) to it")
        }
        committed = true
        let (dir, _) = splitPath(destination)
        let dfd = open(dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }
}

extension AtomicFileWriter {
    /// Sends the last direct-I/O buffer, waits for all of them, trims the padding of the last
    /// block, and continues through the page cache (for a header filled in afterwards, say).
    private func finishDirectWrites() throws(FileError) {
        #if os(Linux)
        guard let stager else { return }
        self.stager = nil
        let padding = try stager.finish()
        if padding > 0, ftruncate(fd, off_t(bytesWritten)) != 0 {
            throw FileError(path: destination, operation: "truncate (temporary file \(temporaryPath))")
        }
        guard lseek(fd, off_t(bytesWritten), SEEK_SET) >= 0 else {
            throw FileError(path: destination, operation: "seek (temporary file \(temporaryPath))")
        }
        #endif
    }
}

/// Directory and last component of a path ("." when there is no directory part).
func splitPath(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

extension AtomicFileWriter {
    /// Appends `count` bytes of another file, starting at `offset`, copied inside the kernel
    /// (`copy_file_range`) rather than through a user-space buffer. Returns false, having written
    /// nothing, when the kernel cannot do it here (another OS, an old kernel, a file system that
    /// refuses); the caller then writes the bytes itself.
    public func appendCopy(of source: String, offset: Int, count: Int) throws(FileError) -> Bool {
        guard count > 0 else { return true }
        if writesDirectly { return false }  // an in-kernel copy would go through the page cache
        let src = open(source, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { return false }
        defer { close(src) }
        var done = 0
        while done < count {
            let n = wk_copy_file_range(src, Int64(offset + done), fileDescriptor, Int64(count - done))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if done == 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP) {
                    return false
                }
                throw FileError(
                    path: destination, operation: "copy \(count) bytes from \(source) (temporary file \(temporaryPath))"
                )
            }
            done += Int(n)
        }
        noteAppended(count)
        return true
    }

    /// Overwrites bytes already written (used to fill in a header once checksums are known).
    public func overwrite(_ bytes: [UInt8], at offset: Int) throws(FileError) {
        try finishDirectWrites()
        let n = bytes.withUnsafeBytes { buf in pwrite(fileDescriptor, buf.baseAddress, buf.count, off_t(offset)) }
        guard n == bytes.count else {
            throw FileError(path: destination, operation: "write the header (temporary file \(temporaryPath))")
        }
    }
}
