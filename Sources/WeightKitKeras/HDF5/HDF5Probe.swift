#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WeightKitCheckpoints

/// libhdf5 is not safe on hostile files: fuzzing WeightKit's readers found a heap overflow inside
/// libhdf5 (`H5G__node_by_idx` → `H5MM_strdup` reading a symbol-table name that is not
/// terminated) and an endless loop (`H5HG_read` on a corrupt global heap while reading a
/// variable-length string attribute). Neither can be caught or interrupted in-process, and
/// validating HDF5's B-trees and heaps ourselves would mean writing a second HDF5 reader.
///
/// So, on Linux, every file is first read by a forked child — the same structure reads, and every
/// dataset that needs `H5Dread` — and only if the child finishes cleanly within the time limit
/// does WeightKit do the same work in its own process. A crash or a hang then costs the child,
/// and the user gets an error naming the file. (Cost: one fork and the structure read twice,
/// milliseconds. Elsewhere the probe is skipped.)
enum HDF5Probe {
    /// Seconds the child may take (structure plus chunked-dataset reads): 10, plus one per 100 MB
    /// (WEIGHTKIT_HDF5_PROBE_SECONDS replaces the 10).
    static func timeLimit(fileSize: Int) -> Double {
        let base = getenv("WEIGHTKIT_HDF5_PROBE_SECONDS").flatMap { Double(String(cString: $0)) } ?? 10
        return base + Double(fileSize) / 100e6
    }

    /// `afterFork` runs in this process as soon as the child exists (or at once when there is no
    /// child): from then on, threads the caller starts cannot be caught by the fork. (A fork
    /// copies only the calling thread; a lock another thread held at that moment — in the Swift
    /// runtime, say — would stay held in the child, which would hang until the time limit.)
    static func check(_ displayName: String, fileSize: Int, afterFork: (() -> Void)? = nil, _ body: () throws -> Void)
        throws
    {
        let timeLimit = Self.timeLimit(fileSize: fileSize)
        #if os(Linux)
        // Diagnostics: see libhdf5 fail in-process.
        if getenv("WEIGHTKIT_HDF5_NO_PROBE") != nil { afterFork?(); return }
        // Fork holding the library lock, so no other thread is inside libhdf5 at that moment.
        pthread_mutex_lock(&HDF5.mutex)
        let pid = fork()
        if pid == 0 {
            // The child: one thread; a fresh lock (the inherited one belongs to a thread that is not here).
            var attr = pthread_mutexattr_t()
            pthread_mutexattr_init(&attr)
            pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE))
            pthread_mutex_init(&HDF5.mutex, &attr)
            // Nothing the child says reaches the user (a crash report from the Swift runtime's
            // backtracer, say): the parent reports the outcome.
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, 1); dup2(null, 2) }
            do { try body() } catch {}
            _exit(0)
        }
        pthread_mutex_unlock(&HDF5.mutex)
        afterFork?()
        guard pid > 0 else { return }  // no fork possible: read in-process as before
        var status: Int32 = 0
        let deadline = monotonicSeconds() + timeLimit
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return }
            if monotonicSeconds() > deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                throw KerasCheckpointError.unsafeHDF5(
                    file: displayName,
                    detail: "libhdf5 did not finish reading it within \(Int(timeLimit)) s (in a separate process)")
            }
            usleep(1000)
        }
        let signal = status & 0x7F
        if signal != 0 {
            throw KerasCheckpointError.unsafeHDF5(
                file: displayName, detail: "libhdf5 crashed (signal \(signal)) reading it (in a separate process)")
        }
        let code = (status >> 8) & 0xFF
        if code != 0 {
            throw KerasCheckpointError.unsafeHDF5(
                file: displayName, detail: "libhdf5 failed (exit status \(code)) reading it (in a separate process)")
        }
        #else
        afterFork?()
        #endif
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
