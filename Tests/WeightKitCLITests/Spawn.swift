import Foundation
import WeightKitCheckpoints
import WeightKitTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child process run with posix_spawn and reaped with wait4. Its peak RSS comes from GNU time
/// (`measureRSS`): wait4's own figure is useless here, because posix_spawn's child shares the
/// test process's memory until it execs and Linux carries that high-water mark across exec.
struct Spawned {
    var status: Int32  // exit code, or -1 when a signal ended it
    var signal: Int32  // 0 when it exited
    var stdout: String
    var stderr: String
    var maxRSSBytes: Int  // 0 unless measured
    var seconds: Double
}

/// GNU time, which measures a grandchild forked from a small process (Scripts/install-deps.sh
/// installs Debian's `time`).
let gnuTime = "/usr/bin/time"

/// Runs `argv` (argv[0] a path), optionally killing it with SIGKILL after `killAfter` seconds.
func spawnMeasured(_ command: [String], killAfter: Double? = nil, measureRSS: Bool = false) throws -> Spawned {
    let dir = try TestFixtures.scratchDirectory("spawn")
    if measureRSS, !FileManager.default.isExecutableFile(atPath: gnuTime) {
        throw POSIXError(
            .ENOENT, userInfo: ["reason": "\(gnuTime) (Debian package time) is needed to measure peak RSS"])
    }
    let argv = measureRSS ? [gnuTime, "-f", "%M", "-o", dir + "/rss"] + command : command
    defer { try? FileManager.default.removeItem(atPath: dir) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, dir + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, dir + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let cargs = argv.map { strdup($0) } + [nil]
    defer { for p in cargs { free(p) } }
    var pid: pid_t = 0
    let start = Date()
    let rc = posix_spawn(&pid, argv[0], &actions, nil, cargs, environ)
    guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
    if let killAfter {
        usleep(useconds_t(max(0, killAfter) * 1e6))
        kill(pid, SIGKILL)
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Date().timeIntervalSince(start)
    let sig = status & 0x7F
    let read = { (n: String) in (try? String(contentsOfFile: dir + "/" + n, encoding: .utf8)) ?? "" }
    let rss = measureRSS ? (Int(read("rss").split(separator: "\n").last.map(String.init) ?? "") ?? -1) * 1024 : 0
    return Spawned(
        status: sig == 0 ? (status >> 8) & 0xFF : -1, signal: sig, stdout: read("out"), stderr: read("err"),
        maxRSSBytes: rss, seconds: seconds)
}

/// A minimal zip writer for hostile test archives (the members and their declared sizes are
/// whatever the test says, which is the point). Not used for anything that claims to be torch's.
struct TestZip {
    struct Member { var name: String; var data: [UInt8]; var method: UInt16 = 0; var declaredSize: UInt32? = nil }
    var members: [Member] = []

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ v: UInt16, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { for i in 0..<4 { a.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
        for m in members {
            let offset = UInt32(out.count)
            let crc = CRC32.checksum(m.data)
            let size = m.declaredSize ?? UInt32(m.data.count)
            let name = Array(m.name.utf8)
            u32(0x0403_4b50, &out); u16(20, &out); u16(0, &out); u16(m.method, &out); u16(0, &out); u16(0, &out)
            u32(crc, &out); u32(UInt32(m.data.count), &out); u32(size, &out); u16(UInt16(name.count), &out);
            u16(0, &out)
            out += name + m.data
            u32(0x0201_4b50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(m.method, &central)
            u16(0, &central); u16(0, &central); u32(crc, &central); u32(UInt32(m.data.count), &central);
            u32(size, &central)
            u16(UInt16(name.count), &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(0, &central); u32(offset, &central)
            central += name
        }
        let cdOffset = UInt32(out.count)
        out += central
        u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(UInt16(members.count), &out);
        u16(UInt16(members.count), &out)
        u32(UInt32(central.count), &out); u32(cdOffset, &out); u16(0, &out)
        return out
    }
}
