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
    /// `timeLimit` replaces the limit for the file's size (tests).
    static func check(
        _ displayName: String, fileSize: Int, timeLimit limit: Double? = nil, afterFork: (() -> Void)? = nil,
        _ body: () throws -> Void
    ) throws {
        let timeLimit = limit ?? Self.timeLimit(fileSize: fileSize)
        #if os(Linux)
        // Diagnostics: see libhdf5 fail in-process.
        if getenv("WEIGHTKIT_HDF5_NO_PROBE") != nil { afterFork?(); return }
        var status: Int32 = 0
        var notified = false
        // A child that blocks without using the CPU caught a lock another thread of this process
        // held at the fork (the Swift runtime's, say): that is this process's state, not the
        // file's, so it is forked again. A child that computes until the limit is libhdf5 looping.
        attempts: for attempt in 1...Self.attempts {
            guard let pid = forkChild(body) else {
                if !notified { afterFork?() }
                return  // no fork possible: read in-process as before
            }
            if !notified { afterFork?(); notified = true }
            let start = monotonicSeconds()
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid { break attempts }
                if r < 0 && errno != EINTR { return }
                let elapsed = monotonicSeconds() - start
                if elapsed > Self.blockedAfter, let c = Self.childState(pid), c.state == "S", c.cpuSeconds < 0.02,
                    attempt < Self.attempts
                {
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    continue attempts
                }
                if elapsed > timeLimit {
                    let cpu = Self.childState(pid)?.cpuSeconds ?? elapsed
                    kill(pid, SIGKILL)
                    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                    if cpu < 0.1 * elapsed, attempt < Self.attempts { continue attempts }
                    throw KerasCheckpointError.unsafeHDF5(
                        file: displayName,
                        detail: "libhdf5 did not finish reading it within \(Int(timeLimit)) s (in a separate process)")
                }
                usleep(1000)
            }
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

    /// Forks of one probe, when the earlier ones blocked (see `check`).
    static let attempts = 3
    /// Seconds after which a child asleep with no CPU time used is taken as blocked.
    static let blockedAfter = 2.0

    #if os(Linux)
    /// Forks a child that runs `body` with libhdf5's lock fresh and its output silenced; nil when
    /// no fork is possible.
    private static func forkChild(_ body: () throws -> Void) -> pid_t? {
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
        return pid > 0 ? pid : nil
    }

    /// The child's scheduler state and CPU time, from /proc/PID/stat.
    static func childState(_ pid: pid_t) -> (state: Character, cpuSeconds: Double)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return nil }
        let text = String(decoding: buf[0..<n], as: UTF8.self)
        // "pid (comm) S ppid …": fields after the last ')' — state, then utime and stime at 12, 13.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let state = fields[0].first, let u = Double(fields[11]), let s = Double(fields[12])
        else {
            return nil
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (state, (u + s) / max(ticks, 1))
    }
    #endif

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
