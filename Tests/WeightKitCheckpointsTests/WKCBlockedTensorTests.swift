import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport

/// `.wkc` version 2 as Schemas/wkc-format.md specifies it, from a file written by a plain-Python
/// implementation of that text (Fixtures/wkc/generate_packed.py), not by WeightKit: blocked BF16
/// and I8 tensors, ragged against the tiles, decode to the row-major values the script also stored.
@Suite("WKC version 2: blocked tensors, read against the specification")
struct WKCBlockedTensorTests {
    static let path = TestFixtures.path("wkc/packed_v2.wkc")

    @Test("blocked BF16 and I8 (with scales) decode to the values stored plain beside them")
    func decodesAsSpecified() throws {
        let c = try WKCReader.open(Self.path)
        #expect(try WKCReader.check(Self.path, progress: nil).problems.isEmpty)
        #expect(c.tensors.map(\.name) == ["bf16.blocked", "bf16.plain", "i8.blocked", "i8.expected"])
        let bf = try #require(c.info(named: "bf16.blocked")), i8 = try #require(c.info(named: "i8.blocked"))
        #expect(bf.dtype == .bf16 && bf.shape == [5, 70] && bf.byteCount == 700)
        #expect(i8.dtype == .f32 && i8.shape == [5, 70] && i8.byteCount == 1400)
        let decoded = try c.view(bf), plain = try c.tensor(named: "bf16.plain")
        #expect(Array(decoded.bytes) == Array(plain.bytes))
        #expect(try c.view(i8).float32Array() == (try c.tensor(named: "i8.expected").float32Array()))
        #expect(c.storedEncoding(bf)?.name == "BF16 BA16a64b2a" && c.storedEncoding(bf)?.bytes == 32 * 128 * 2)
        let packed = try #require(c.packedTensor(i8))
        #expect(packed.dtype == .i8 && packed.layout.description == "BA16a64b4a" && packed.scales?.count == 70)
        #expect(c.packedTensor(try #require(c.info(named: "bf16.plain"))) == nil)
    }

    @Test("convert decodes blocked tensors into a plain file; a plain .wkc stays version 1")
    func convertsToPlain() throws {
        let dir = try TestFixtures.scratchDirectory("wkc-blocked")
        for out in [dir + "/plain.safetensors", dir + "/plain.wkc"] {
            _ = try Converter.convert(try Checkpoints.open(Self.path), to: out)
            let c = try Checkpoints.open(out)
            #expect(c.tensors.count == 4)
            #expect(
                try c.tensor(named: "i8.blocked").float32Array() == (try c.tensor(named: "i8.expected").float32Array()))
            let a = try c.tensor(named: "bf16.blocked"), b = try c.tensor(named: "bf16.plain")
            #expect(Array(a.bytes) == Array(b.bytes))
        }
        let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/plain.wkc"))
        #expect(d[8] == 1, "a file without blocked tensors is written as version 1")
    }
}
