import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// Hostile sizes: each input is refused fast with the file named, and the process's own peak RSS
/// (wait4 of the child) stays small — nothing allocates what the file merely claims.
@Suite("resource limits: claimed sizes are never allocated")
struct ResourceLimitTests {
    struct Case: CustomStringConvertible, Sendable {
        var label: String
        var command: String
        var expect: String
        var make: @Sendable (String) throws -> String
        var description: String { label }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func safetensors(_ header: String, data: Int) -> [UInt8] {
        let h = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(h.count).littleEndian) { [UInt8]($0) } + h
            + [UInt8](repeating: 0, count: data)
    }

    static let cases: [Case] = [
        Case(label: "safetensors header length of 2^62 bytes", command: "inspect", expect: "header") { dir in
            try write(
                withUnsafeBytes(of: (UInt64(1) << 62).littleEndian) { [UInt8]($0) } + Array("{}".utf8),
                dir + "/len.safetensors")
        },
        Case(label: "safetensors tensor of 100 G elements in a tiny file", command: "inspect", expect: "huge") { dir in
            try write(
                safetensors(
                    #"{"huge":{"dtype":"F32","shape":[100000000000],"data_offsets":[0,400000000000]}}"#, data: 16),
                dir + "/shape.safetensors")
        },
        Case(label: ".keras zip entry claiming to inflate to terabytes", command: "inspect", expect: "model.weights.h5")
        { _ in
            CLI.fixture("keras/zip_bomb.keras")
        },
        Case(label: "torch zip record claiming 4 GiB from 64 deflated bytes", command: "inspect", expect: "data.pkl") {
            dir in
            var z = TestZip()
            z.members.append(
                .init(
                    name: "archive/data.pkl", data: [UInt8](repeating: 0x03, count: 64), method: 8,
                    declaredSize: 0xFFFF_FFF0))
            return try write(z.bytes(), dir + "/inflate.pt")
        },
        Case(label: "pickle appending six million items to one list", command: "inspect", expect: "more than") { dir in
            var pkl: [UInt8] = [0x80, 0x02, 0x7D, 0x8C, 1, 0x6C, 0x5D, 0x28]  // {'l': [ MARK
            for _ in 0..<6_000_000 { pkl += [0x4B, 0x07] }  // 6 M × BININT1 7
            pkl += [0x65, 0x73, 0x2E]  // APPENDS SETITEM STOP
            var z = TestZip()
            z.members.append(.init(name: "archive/data.pkl", data: pkl))
            return try write(z.bytes(), dir + "/list.pt")
        },
        Case(
            label: "torch view of a billion floats over one stored float (written by torch)", command: "convert",
            expect: "huge"
        ) { _ in
            CLI.fixture("pytorch/expanded.pt")
        },
    ]

    @Test("refused within seconds, exit 2, file named, peak RSS under 160 MiB", arguments: cases)
    func refused(_ c: Case) throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try c.make(dir)
        let args = c.command == "convert" ? ["convert", input, "-o", dir + "/out.safetensors"] : [c.command, input]
        let r = try spawnMeasured([CLI.executable] + args, measureRSS: true)
        #expect(r.status == 2 && r.signal == 0, "\(c.label): status \(r.status) signal \(r.signal) \(r.stderr)")
        #expect(r.stderr.contains(input) && r.stderr.contains(c.expect), "\(c.label): \(r.stderr)")
        #expect(r.seconds < 10, "\(c.label): \(r.seconds) s")
        #expect(r.maxRSSBytes > 0 && r.maxRSSBytes < 160 << 20, "\(c.label): peak RSS \(r.maxRSSBytes >> 20) MiB")
        #expect(tempFiles(in: dir).isEmpty)
        print(
            "resource-limit: \(c.label): exit \(r.status) in \(Int(r.seconds * 1000)) ms, peak RSS \(r.maxRSSBytes >> 20) MiB — \(r.stderr.split(separator: "\n").first ?? "")"
        )
    }
}
