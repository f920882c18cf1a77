#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory. Opening costs one `mmap` call; pages are read by
/// the kernel only when a tensor's bytes are touched. The mapping lives as long as this object.
public final class MappedFile: ResidentPagesReleasing, @unchecked Sendable {
    public let path: String
    public let size: Int
    private let base: UnsafeRawPointer?

    public init(path: String) throws(FileError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: "open") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FileError(path: path, operation: "stat") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw FileError(path: path, operation: "read a directory as a file", code: EISDIR)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, operation: "map a file that is not a regular file", code: EINVAL)
        }
        size = Int(st.st_size)
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw FileError(path: path, operation: "map") }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// All bytes of the file.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Bytes `[offset, offset+count)`; the caller has validated the range.
    public func bytes(at offset: Int, count: Int) -> UnsafeRawBufferPointer {
        precondition(offset >= 0 && count >= 0 && offset <= size && count <= size - offset, "range outside \(path)")
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: count)
    }

    /// Drops the pages of a range from this process's resident set once it has been used (they
    /// stay in the page cache, so touching them again is a cheap minor fault). Streaming a large
    /// file through a mapping with this keeps RSS flat instead of growing to the file's size.
    public func releaseResidentPages(offset: Int, count: Int) {
        guard let base, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (offset + page - 1) / page * page  // whole pages inside the range only
        let end = (offset + count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Tells the kernel the range will be read soon, front to back.
    public func adviseSequential(offset: Int, count: Int) {
        guard let base, count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = offset / page * page
        let p = UnsafeMutableRawPointer(mutating: base + start)
        _ = madvise(p, count + (offset - start), MADV_SEQUENTIAL)
        _ = madvise(p, count + (offset - start), MADV_WILLNEED)
    }
}

/// Storage behind tensor views that can give back resident memory for a byte range.
public protocol ResidentPagesReleasing: AnyObject {
    func releaseResidentPages(offset: Int, count: Int)
    var bytes: UnsafeRawBufferPointer { get }
}
