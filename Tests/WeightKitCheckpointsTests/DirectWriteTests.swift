import Foundation
import Testing
@testable import WeightKitCheckpoints
import WeightKitTestSupport

/// `AtomicFileWriter` with direct I/O (`DirectWriteStager`): the same bytes as through the page
/// cache, whatever the sizes of the pieces, the file's length (padding trimmed) and a header
/// rewritten afterwards; failures reported, nothing left behind.
@Suite("direct-I/O writes")
struct DirectWriteTests {
    /// Whether the scratch directory is on a disk file system, where direct I/O must engage
    /// (tmpfs offers O_DIRECT only on recent kernels; either way the bytes must come out right).
    static func scratchIsOnDisk(_ dir: String) throws -> Bool {
        #if os(Linux)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/stat")
        p.arguments = ["-f", "-c", "%T", dir]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let type = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return !type.hasPrefix("tmpfs") && !type.hasPrefix("ramfs")
        #else
        return false
        #endif
    }

    /// Deterministic bytes (xorshift64, eight bytes per step).
    static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var x = seed | 1
        return [UInt8](unsafeUninitializedCapacity: count) { buf, n in
            var i = 0
            while i < count {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                withUnsafeBytes(of: x) { for k in 0..<min(8, count - i) { buf[i + k] = $0[k] } }
                i += 8
            }
            n = count
        }
    }

    @Test(
        "odd pieces across several buffers, a header rewritten at 0: byte-identical, exact length",
        arguments: [1, 4095, 4096, 4097, DirectWriteStager.bufferSize - 1, DirectWriteStager.bufferSize * 5 + 12_345])
    func sameBytes(total: Int) throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        let data = Self.pattern(total, seed: UInt64(total))
        let header = Self.pattern(min(total, 100), seed: 7)
        let writer = try AtomicFileWriter(destination: path, expectedSize: Int.max)
        if try Self.scratchIsOnDisk(dir) { #expect(writer.writesDirectly, "direct I/O did not engage in \(dir)") }
        var offset = 0, piece = 1
        try data.withUnsafeBytes { all in
            while offset < total {
                let n = min(piece, total - offset)
                try writer.write(UnsafeRawBufferPointer(rebasing: all[offset..<(offset + n)]))
                offset += n
                piece = piece * 7 % 3_000_001 + 1  // 1, 8, 57, …: pieces of every size, some past a buffer
            }
        }
        #expect(writer.bytesWritten == total)
        try writer.sync()
        try writer.overwrite(header, at: 0)
        try writer.commit()
        var expected = data
        expected.replaceSubrange(0..<header.count, with: header)
        let back = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(back.count == total)
        let firstDifference = zip(back, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "content differs from byte \(firstDifference ?? -1)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test("a writer dropped before commit, with direct writes in flight, leaves nothing")
    func droppedLeavesNothing() throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let writer = try AtomicFileWriter(destination: dir + "/out.bin", expectedSize: Int.max)
            try writer.write(Self.pattern(DirectWriteStager.bufferSize * 3 + 5, seed: 3))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("small files stay on ordinary writes")
    func smallFilesBuffered() throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try AtomicFileWriter(destination: dir + "/small.bin", expectedSize: 1 << 20)
        #expect(!writer.writesDirectly)
    }
}
