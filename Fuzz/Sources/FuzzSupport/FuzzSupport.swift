#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints

/// What every target shares: the input as a file (readers that take a path), and a full read of
/// every tensor a checkpoint lists (so lazy views are exercised, not just headers).
public enum FuzzInput {
    /// A per-process scratch directory in memory-backed storage when there is one.
    public static let directory: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let dir = "\(base)/weightkit-fuzz-\(getpid())"
        mkdir(dir, 0o700)
        return dir
    }()

    /// Writes the input to `name` in the scratch directory and returns its path.
    public static func file(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot write \(path)")
        var done = 0
        while done < size {
            let n = write(fd, data + done, size - done)
            precondition(n > 0, "write failed")
            done += n
        }
        close(fd)
        return path
    }

    /// Reads every tensor's bytes (and decodes real-valued ones), as inspect --stats would.
    public static func readAll(_ c: any Checkpoint) {
        for t in c.tensors {
            guard let v = try? c.view(t) else { continue }
            precondition(v.bytes.count == t.byteCount, "\(t.name): view of \(v.bytes.count) bytes for a \(t.byteCount)-byte tensor")
            var x: UInt8 = 0
            for b in v.bytes { x ^= b }
            blackhole(x)
            if t.dtype.isDecodableAsReal, t.elementCount < 1 << 20 { _ = try? v.float32Array() }
        }
    }

    @inline(never) public static func blackhole<T>(_ x: T) { _ = x }
}
