import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
import WeightKitTokenizer

@testable import WeightKitGGUF

/// Block-quantised tensors written by gguf-py (Fixtures/gguf/generate.py: `quants.gguf`) decoded
/// by WeightKit and compared with gguf-py's own `gguf.quants.dequantize` of the same bytes
/// (`quants.expected.safetensors`); WeightKit's Q8_0 encoder against gguf-py's.
@Suite("GGUF block quantisation against gguf-py")
struct GGUFQuantizationTests {
    static let path = TestFixtures.path("gguf/quants.gguf")
    static let expected = try! Checkpoints.open(TestFixtures.path("gguf/quants.expected.safetensors"))

    static func floats(_ v: TensorView) -> [Float] {
        (0..<v.info.elementCount).map { v.bytes.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
    }

    @Test(
        "each decodable type is read as F32 equal to gguf-py's decoding, value for value",
        arguments: ["Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"])
    func decodes(_ type: String) throws {
        let c = try Checkpoints.open(Self.path)
        let info = try #require(c.info(named: type))
        #expect(info.dtype == .f32 && info.shape == [4, 256])
        #expect(c.storedEncoding(info)?.name == type && c.storedEncoding(info)?.decodable == true)
        #expect(!c.isStoredInPlace(info))
        let ours = Self.floats(try c.view(info)), theirs = Self.floats(try Self.expected.tensor(named: type))
        #expect(ours.count == theirs.count)
        let differing = zip(ours, theirs).filter { $0 != $1 }.count
        #expect(differing == 0, "\(type): \(differing) of \(ours.count) values differ from gguf-py")
        // Not a vacuous match: the values vary.
        #expect(Set(ours).count > 16)
    }

    @Test("a type WeightKit does not decode is listed, checked, and refused by name when read")
    func undecodable() throws {
        let c = try Checkpoints.open(Self.path)
        let info = try #require(c.info(named: "IQ4_NL"))
        #expect(c.storedEncoding(info) == StoredEncoding(name: "IQ4_NL", bytes: 4 * 8 * 18, decodable: false))
        #expect { _ = try c.view(info) } throws: {
            "\($0)".contains("'IQ4_NL'") && "\($0)".contains("does not decode") && "\($0)".contains(Self.path)
        }
        let check = try Checkpoints.check(Self.path)
        #expect(check.passed && check.notes.joined().contains("1 of types WeightKit does not decode"))
        // A conversion stops at it instead of dropping it.
        let out = try TestFixtures.scratchDirectory("gguf-quants") + "/out.safetensors"
        #expect { _ = try Converter.convert(c, to: out) } throws: { "\($0)".contains("IQ4_NL") }
        #expect(!FileSystem.exists(out))
    }

    @Test("check decodes every block: an infinite f16 scale is a problem naming the tensor")
    func checkDecodes() throws {
        #expect(try Checkpoints.check(Self.path).passed)
        let (g, _) = try GGUFReader.open(Self.path)
        let t = try #require(g.tensors.first { $0.name == "Q4_1" })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path)))
        bytes[t.offset + 20 + 0] = 0x00  // the second block's d: f16 +inf (0x7C00)
        bytes[t.offset + 20 + 1] = 0x7C
        let bad = try TestFixtures.scratchDirectory("gguf-check") + "/inf-scale.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let r = try Checkpoints.check(bad)
        #expect(
            !r.passed && r.problems.contains { $0.contains("tensor 'Q4_1' (Q4_1)") && $0.contains("NaN or infinite") })
    }

    @Test("Q8_0 encoding: the bytes gguf-py writes for the same values, an all-zero block included")
    func encodesQ8_0() throws {
        let source = Self.floats(try Self.expected.tensor(named: "source.Q8_0"))
        var out = [UInt8](repeating: 0, count: source.count / 32 * 34)
        var loss = GGMLQuantization.Q8Loss()
        source.withUnsafeBufferPointer { s in
            _ = GGMLQuantization.quantizeQ8_0(s.baseAddress!, count: s.count, into: &out, loss: &loss)
        }
        let (g, _) = try GGUFReader.open(Self.path)
        let t = try #require(g.tensors.first { $0.name == "Q8_0" })
        let file = try MappedFile(path: Self.path)
        let theirs = withExtendedLifetime(file) { Array(file.bytes(at: t.offset, count: t.size)) }
        #expect(out == theirs)
        #expect(loss.maxAbs == source.map(abs).max()! && loss.overflowedBlocks == 0)
        #expect(loss.flushedToZero > 0)  // values under half a step of their block's scale
    }

    @Test("Q8_0 encoding of hostile values: NaN, ±inf and values past f16's range are counted, never trap")
    func encodesHostileValues() {
        var values = [Float](repeating: 0.5, count: 96)
        values[0] = .nan
        values[33] = .infinity
        values[64] = 1e9  // scale 1e9 / 127 overflows f16
        var out = [UInt8](repeating: 0, count: 3 * 34)
        var loss = GGMLQuantization.Q8Loss()
        values.withUnsafeBufferPointer {
            _ = GGMLQuantization.quantizeQ8_0($0.baseAddress!, count: 96, into: &out, loss: &loss)
        }
        #expect(loss.overflowedBlocks == 2)  // the inf block and the 1e9 block
    }

    @Test("the vocabulary rewrite: llama.cpp's phantom space and ## pieces, undone exactly")
    func vocabularyRewrite() {
        let cases: [(String, Bool, String)] = [
            ("[CLS]", true, "[CLS]"), ("the", false, "\u{2581}the"), ("##ing", false, "ing"),
            ("##\u{093E}", false, "\u{093E}"),  // '##' before a combining mark: one Swift Character
            ("[unused0]", false, "\u{2581}[unused0]"),
        ]
        for (token, control, encoded) in cases {
            #expect(GGUFVocabulary.encode(token, control: control) == encoded)
            #expect(GGUFVocabulary.decode(encoded, control: control) == token)
        }
    }
}
