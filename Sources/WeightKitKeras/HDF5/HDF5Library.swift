import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Access to libhdf5. The library (a serial build on Debian and Homebrew) is not thread-safe, so
/// every call goes through `HDF5.locked`. Error stacks are never printed: they are captured and
/// folded into WeightKit's own errors.
enum HDF5 {
    /// Recursive: handles created inside a locked section are closed (locking again) when they
    /// go out of scope inside it.
    nonisolated(unsafe) static var mutex: pthread_mutex_t = {
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
        var m = pthread_mutex_t()
        pthread_mutex_init(&m, &attr)
        pthread_mutexattr_destroy(&attr)
        return m
    }()
    nonisolated(unsafe) private static var initialized = false
    nonisolated(unsafe) private static var loadError: String? = nil

    /// Runs `body` holding the library lock, loading libhdf5 first if needed.
    static func locked<R>(_ body: () throws -> R) throws -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if !initialized {
            var buf = [CChar](repeating: 0, count: 512)
            if wk_hdf5_load(&buf, 512) != 0 {
                loadError = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            } else {
                wk_h5_silence()
            }
            initialized = true
        }
        if let loadError { throw HDF5Unavailable(message: loadError) }
        return try body()
    }

    /// For cleanup paths that cannot throw: runs `body` only when the library is loaded.
    static func lockedIfLoaded(_ body: () -> Void) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if initialized && loadError == nil { body() }
    }

    /// The messages of the current HDF5 error stack (then cleared), e.g.
    /// "unable to open file; file signature not found".
    static func takeError() -> String {
        var buf = [CChar](repeating: 0, count: 1024)
        wk_h5_take_error(&buf)
        let s = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return s.isEmpty ? "unknown HDF5 error" : s
    }
}

/// An HDF5 identifier closed when the wrapper goes away.
final class HDF5Handle {
    enum Kind { case file, group, dataset, attribute, datatype, dataspace, plist, object }
    let id: hid_t
    let kind: Kind

    init?(_ id: hid_t, _ kind: Kind) {
        guard id >= 0 else { return nil }
        self.id = id
        self.kind = kind
    }

    deinit {
        HDF5.lockedIfLoaded {
            switch kind {
            case .file: _ = H5Fclose(id)
            case .group: _ = H5Gclose(id)
            case .dataset: _ = H5Dclose(id)
            case .attribute: _ = H5Aclose(id)
            case .datatype: _ = H5Tclose(id)
            case .dataspace: _ = H5Sclose(id)
            case .plist: _ = H5Pclose(id)
            case .object: _ = H5Oclose(id)
            }
        }
    }
}

/// libhdf5 could not be loaded.
public struct HDF5Unavailable: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
