import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A safetensors file of `tensors` F32 tensors of `megabytes` MiB each (a recognisable pattern).
func writeLargeSafetensors(_ path: String, tensors: Int, megabytes: Int) throws {
    let n = megabytes << 18  // floats per tensor
    let block = (0..<n).map { Float($0 % 1000) * 0.5 }.withUnsafeBytes { [UInt8]($0) }
    let bytes = TestFixtures.safetensorsBytes(
        (0..<tensors).map { (name: "w\($0)", dtype: "F32", shape: [n], data: block) })
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func sha256(_ path: String) -> String? {
    guard let f = try? MappedFile(path: path) else { return nil }
    return SHA256Digest.hex(of: f.bytes)
}

func tempFiles(in dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.contains(".weightkit-tmp-") }
}

/// How a conversion's output reaches the disk: through the page cache, or with direct I/O
/// (which weightkit uses for large files; the environment forces either here, on small files).
enum WriteMode: String, CaseIterable, CustomTestStringConvertible {
    case buffered, direct
    var environment: [String] {
        self == .direct
            ? ["/usr/bin/env", "WEIGHTKIT_DIRECT_WRITE_MIN_BYTES=0"] : ["/usr/bin/env", "WEIGHTKIT_BUFFERED_WRITES=1"]
    }
    var testDescription: String { rawValue }
}

@Suite("faults: killed and failing conversions never leave a partial destination", .serialized)
struct FaultInjectionTests {
    @Test(
        "SIGKILL at random points of a conversion: the destination is the previous file or the complete new one",
        arguments: ["wkc", "safetensors"], WriteMode.allCases)
    func killed(_ ext: String, mode: WriteMode) throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = dir + "/src.safetensors", dst = dir + "/out." + ext
        try writeLargeSafetensors(src, tensors: 12, megabytes: 4)
        // How long a complete conversion takes (median of three).
        var times: [Double] = []
        for _ in 0..<3 {
            let full = try spawnMeasured(mode.environment + [CLI.executable, "convert", src, "-o", dst])
            #expect(full.status == 0, "\(full.stderr)")
            times.append(full.seconds)
        }
        let unkilled = times.sorted()[1]
        // A complete new file passes check with all 12 tensors (a .wkc differs run to run by its
        // provenance time, so it is recognised by content, not by hash).
        func isCompleteNew() throws -> Bool {
            let c = try CLI.run("check", dst)
            return c.status == 0 && c.stdout.contains("12 tensors")
        }
        // The previous destination: another valid checkpoint.
        let old = dir + "/old." + ext
        #expect(try CLI.run("convert", CLI.fixture("safetensors/mixed.safetensors"), "-o", old).status == 0)
        let oldHash = try #require(sha256(old))
        var outcomes = ["previous": 0, "new": 0], leftovers = 0, kills = 0
        var rng = SystemRandomNumberGenerator()
        // Kill times are drawn below the fastest complete run; a run that finishes before its kill
        // (the machine got faster: other suites stopped competing for the 2 cores) narrows the range,
        // and runs go on (up to 40) until at least 4 were killed mid-way.
        var bound = (times.min() ?? unkilled) * 0.8
        var runs = 0
        while runs < 16 || (kills < 4 && runs < 40) {
            runs += 1
            try? FileManager.default.removeItem(atPath: dst)
            try FileManager.default.copyItem(atPath: old, toPath: dst)
            let r = try spawnMeasured(
                mode.environment + [CLI.executable, "convert", src, "-o", dst],
                killAfter: Double.random(in: 0...bound, using: &rng))
            if r.signal == SIGKILL { kills += 1 } else { bound *= 0.7 }
            let previous = sha256(dst) == oldHash
            let complete = try !previous && isCompleteNew()
            #expect(
                previous || complete,
                "destination is neither the previous file nor the complete new one (killed: \(r.signal == SIGKILL))")
            outcomes[complete ? "new" : "previous", default: 0] += 1
            if r.signal == 0 { #expect(r.status == 0 && complete) }
            let left = tempFiles(in: dir)
            leftovers += left.count
            for f in left { try FileManager.default.removeItem(atPath: dir + "/" + f) }
        }
        #expect(kills >= 4, "runs should be killed mid-way (\(kills) of \(runs) were)")
        print(
            "fault-injection: SIGKILL .\(ext) conversion, \(mode) writes (\(Int(unkilled * 1000)) ms unkilled): \(kills)/\(runs) killed, destination previous \(outcomes["previous"]!), new \(outcomes["new"]!), partial 0; temp files left by kills \(leftovers)"
        )
    }

    @Test(
        "a file-size limit (ulimit -f) mid-write: exit 2 naming the file, previous destination intact, no temp file",
        arguments: WriteMode.allCases)
    func fileSizeLimit(mode: WriteMode) throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = dir + "/src.safetensors", dst = dir + "/out.wkc"
        try writeLargeSafetensors(src, tensors: 4, megabytes: 2)
        #expect(try CLI.run("convert", CLI.fixture("safetensors/mixed.safetensors"), "-o", dst).status == 0)
        let before = try #require(sha256(dst))
        let r = try spawnMeasured(
            ["/bin/sh", "-c", "ulimit -f 1024; exec \"$@\"", "sh"] + mode.environment + [
                CLI.executable, "convert", src, "-o", dst,
            ])
        #expect(r.status == 2 && r.signal == 0, "status \(r.status) signal \(r.signal): \(r.stderr)")
        #expect(r.stderr.contains(dst) && r.stderr.contains("File too large"), "\(r.stderr)")
        #expect(sha256(dst) == before)
        #expect(tempFiles(in: dir).isEmpty)
    }

    @Test("a read-only destination directory: exit 2 naming it, nothing written")
    func readOnlyDirectory() throws {
        let dir = try CLI.scratch()
        defer { chmod(dir, 0o755); try? FileManager.default.removeItem(atPath: dir) }
        let ro = dir + "/ro"
        try FileManager.default.createDirectory(atPath: ro, withIntermediateDirectories: false)
        chmod(dir, 0o755)
        chmod(ro, 0o555)
        // root ignores permissions: run the command as nobody.
        let prefix = geteuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        let src = dir + "/src.safetensors"  // readable by nobody too
        try FileManager.default.copyItem(atPath: CLI.fixture("safetensors/mixed.safetensors"), toPath: src)
        chmod(src, 0o644)
        let r = try spawnMeasured(prefix + [CLI.executable, "convert", src, "-o", ro + "/out.wkc"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(ro) && r.stderr.contains("Permission denied"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: ro).isEmpty)
    }
}
