#if os(Linux)
import Glibc
import Dispatch
import CWeightKitPlatform

/// Streams a large file to disk with direct I/O (Linux `O_DIRECT`), bypassing the page cache.
///
/// Why: writing a few hundred megabytes through `write()` costs more in the kernel's page-cache
/// bookkeeping (a folio allocated, filled, accounted and later written back per 4 KiB) than in
/// the disk itself, and the fsync that makes the file durable then waits for that writeback
/// anyway. Here the bytes are gathered into a few page-aligned buffers in user space, and each
/// full buffer goes straight from memory to the device while the next one fills; writes run on
/// other threads, up to `bufferCount` at once. The file's last block is padded and the caller
/// trims the file to its logical size afterwards (`finish`).
///
/// If the file system refuses direct I/O for a write (EINVAL), that buffer is written again
/// through the ordinary descriptor, so the result is the same bytes either way. Errors (ENOSPC,
/// EFBIG under `ulimit -f`, …) are reported with their errno by the next `append` or by `finish`.
final class DirectWriteStager {
    static let bufferSize = 8 << 20
    static let bufferCount = 4
    /// Offsets, lengths and buffer addresses are multiples of this (the largest logical block
    /// size direct I/O asks for on Linux).
    static let block = 4096

    private let directFD: Int32
    private let bufferedFD: Int32
    private let buffers: [UnsafeMutableRawPointer]
    /// One per buffer: a write of it is in flight while its semaphore is taken.
    private let idle: [DispatchSemaphore]
    /// errno of each buffer's last write (0: fine); read after waiting on its semaphore.
    private let status: UnsafeMutableBufferPointer<Int32>
    private var current = 0
    private var fill = 0
    private var fileOffset = 0
    private var acquired = false
    private var finished = false
    /// How a failed write is reported: the destination, and the operation naming the temporary file.
    private let errorPath: String
    private let errorOperation: String

    /// Opens `path` (already created, empty) a second time for direct I/O; nil when the file
    /// system or the kernel does not offer it (tmpfs, say), and the caller writes normally.
    init?(path: String, bufferedFD: Int32, errorPath: String, errorOperation: String) {
        let fd = wk_open_direct_write(path)
        guard fd >= 0 else { return nil }
        var buffers: [UnsafeMutableRawPointer] = []
        for _ in 0..<Self.bufferCount {
            var p: UnsafeMutableRawPointer?
            guard posix_memalign(&p, Self.block, Self.bufferSize) == 0, let p else {
                buffers.forEach { free($0) }
                close(fd)
                return nil
            }
            buffers.append(p)
        }
        directFD = fd
        self.errorPath = errorPath
        self.errorOperation = errorOperation
        self.bufferedFD = bufferedFD
        self.buffers = buffers
        idle = buffers.map { _ in DispatchSemaphore(value: 1) }
        status = .allocate(capacity: Self.bufferCount)
        status.initialize(repeating: 0)
    }

    deinit {
        waitForAll()
        buffers.forEach { free($0) }
        status.deallocate()
        close(directFD)
    }

    /// Copies bytes into the current buffer, sending each full one to disk. Throws the errno
    /// of an earlier write that failed (its buffer is the one being reused).
    func append(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            if !acquired {
                idle[current].wait()
                acquired = true
                if status[current] != 0 { throw failure(status[current]) }
            }
            let n = min(bytes.count - offset, Self.bufferSize - fill)
            (buffers[current] + fill).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            fill += n
            offset += n
            if fill == Self.bufferSize { submit(length: Self.bufferSize) }
        }
    }

    /// Writes what is left (its last block padded with zeros), waits for every write, and
    /// returns how many padding bytes follow the logical end (the caller truncates them).
    func finish() throws(FileError) -> Int {
        precondition(!finished, "DirectWriteStager finished twice")
        finished = true
        var padding = 0
        if fill > 0 {
            let length = (fill + Self.block - 1) / Self.block * Self.block
            padding = length - fill
            (buffers[current] + fill).initializeMemory(as: UInt8.self, repeating: 0, count: padding)
            submit(length: length)
        }
        waitForAll()
        if let code = status.first(where: { $0 != 0 }) { throw failure(code) }
        return padding
    }

    private func submit(length: Int) {
        if !acquired { idle[current].wait() }
        let index = current
        let job = WriteJob(
            directFD: directFD, bufferedFD: bufferedFD, buffer: buffers[index], length: length,
            offset: fileOffset, status: status.baseAddress! + index, done: idle[index])
        DispatchQueue.global(qos: .userInitiated).async { job.run() }
        fileOffset += length
        current = (current + 1) % Self.bufferCount
        fill = 0
        acquired = false
    }

    private func waitForAll() {
        if acquired {  // a buffer being filled, not in flight: give it back
            idle[current].signal()
            acquired = false
        }
        for s in idle { s.wait() }
        for s in idle { s.signal() }
    }

    private func failure(_ code: Int32) -> FileError {
        FileError(path: errorPath, operation: errorOperation, code: code)
    }
}

/// One buffer's write: direct first, through the page cache if direct I/O is refused.
private struct WriteJob: @unchecked Sendable {
    let directFD: Int32
    let bufferedFD: Int32
    let buffer: UnsafeMutableRawPointer
    let length: Int
    let offset: Int
    let status: UnsafeMutablePointer<Int32>
    let done: DispatchSemaphore

    func run() {
        status.pointee = write(through: directFD)
        if status.pointee == EINVAL { status.pointee = write(through: bufferedFD) }
        done.signal()
    }

    /// Writes the whole buffer at its offset; 0 or an errno.
    private func write(through fd: Int32) -> Int32 {
        var done = 0
        while done < length {
            let n = pwrite(fd, buffer + done, length - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
            // A short direct write leaves an unaligned remainder, which direct I/O refuses
            // (EINVAL): the caller then writes the whole buffer again through the page cache.
        }
        return 0
    }
}
#endif
