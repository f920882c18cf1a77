import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport

@testable import WeightKitGGUF

/// A GGUF written by gguf-py (Fixtures/gguf/generate.py), read against what gguf-py's own reader
/// finds in it (`tiny_bert.expected.json`), and damaged copies of it.
@Suite("GGUF files written by gguf-py")
struct GGUFReaderTests {
    static let path = TestFixtures.path("gguf/tiny_bert.gguf")
    static let expected = try! FileSystem.readJSON(TestFixtures.path("gguf/tiny_bert.expected.json"))

    @Test("every key with its type, every tensor with gguf-py's type, dimensions, offset and bytes")
    func matchesGGUFPy() throws {
        let (g, c) = try GGUFReader.open(Self.path)
        #expect(c.format == .gguf && g.version == 3 && g.alignment == 32)
        let keys = try #require(Self.expected["keys"]?.objectValue)
        #expect(g.metadata.count == keys.entries.count)
        for (k, v) in keys.entries {
            let mine = try #require(g.value(k), "\(k)")
            #expect(mine.typeName == v["type"]?.stringValue, "\(k)")
            if let s = v["value"]?.stringValue { #expect(mine.stringValue == s, "\(k)") }
            // (gguf-py counts a nested array's parts, not its elements: compared for flat arrays.)
            if let n = v["value"]?["count"]?.intValue, v["value"]?["array"]?.stringValue != "ARRAY",
                case .array(_, let items) = mine
            {
                #expect(items.count == n, "\(k)")
            }
        }
        #expect(g.value("weightkit.test.i64")?.intValue == -(1 << 40) && g.value("weightkit.test.bool") == .bool(true))
        let tensors = try #require(Self.expected["tensors"]?.objectValue)
        #expect(g.tensors.count == tensors.entries.count)
        for t in g.tensors {
            let e = try #require(tensors[t.name], "\(t.name)")
            #expect(t.type.name == e["type"]?.stringValue, "\(t.name)")
            #expect(t.dims == e["dims"]?.arrayValue?.compactMap(\.intValue), "\(t.name)")
            #expect(t.offset == e["offset"]?.intValue && t.size == e["bytes"]?.intValue, "\(t.name)")
            let info = try #require(c.info(named: t.name))
            if let stored = c.storedEncoding(info) {
                // Block-quantised: listed as the F32 it decodes to; its stored bytes are gguf-py's.
                #expect(t.type.dtype == nil && stored.name == t.type.name && info.dtype == .f32, "\(t.name)")
                let raw = c.mapped.mappedFiles[0].bytes(at: t.offset, count: t.size)
                #expect(SHA256Digest.hex(of: raw) == e["sha256"]?.stringValue, "\(t.name)")
            } else {
                let view = try c.view(info)
                #expect(SHA256Digest.hex(of: view.bytes) == e["sha256"]?.stringValue, "\(t.name)")
            }
        }
        #expect(try Checkpoints.open(Self.path).tensors.count == g.tensors.count)
        #expect(try Checkpoints.check(Self.path).passed)
    }

    @Test("metadata arrays summarised, and in full when asked (inspect --all)")
    func fullMetadata() throws {
        let short = try GGUFReader.open(Self.path).checkpoint.metadata["gguf.tokenizer.ggml.tokens"]
        let full = try Checkpoints.open(Self.path, options: .init(includeAll: true)).metadata[
            "gguf.tokenizer.ggml.tokens"]
        #expect(short == "[STRING × 99] [tok0, tok1, tok2, tok3, tok4, tok5, …]")
        #expect(full?.hasSuffix("tok97, tok98]") == true && full?.contains("…") == false)
    }

    /// The fixture with `edit` applied to its bytes.
    static func damaged(_ edit: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        edit(&bytes)
        let out = try TestFixtures.scratchDirectory("gguf") + "/bad.gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: out))
        return out
    }

    static func put(_ v: UInt64, at i: Int, in b: inout [UInt8]) {
        for k in 0..<8 { b[i + k] = UInt8((v >> (8 * k)) & 0xFF) }
    }

    @Test(
        "damaged copies are refused by name: magic, version, byte order, counts, truncation",
        arguments: [
            ("not a GGUF file", 0), ("GGUF version 1", 1), ("big-endian", 2), ("more than any model has", 3),
            ("ends at byte", 4), ("(truncated?)", 5),
        ])
    func damaged(_ c: (String, Int)) throws {
        let path = try Self.damaged { b in
            switch c.1 {
            case 0: b[0] = 0x47 ^ 0x20
            case 1: b[4] = 1
            case 2: b[4] = 0; b[7] = 3
            case 3: Self.put(1 << 40, at: 8, in: &b)
            case 4: b.removeLast(b.count - 200)  // inside the metadata
            default: b.removeLast(100)  // inside the last tensor's data
            }
        }
        #expect { _ = try GGUFReader.open(path) } throws: { "\($0)".contains(c.0) && "\($0)".contains(path) }
        #expect(try GGUFReader.check(path, progress: nil).problems.first?.contains(c.0) == true)
    }

    @Test("an array claiming more elements than the file has bytes is refused before anything is allocated")
    func hostileArray() throws {
        let file = try MappedFile(path: Self.path)
        let g = try withExtendedLifetime(file) { try GGUFFile.parse(file.bytes, file: Self.path) }
        #expect(g.value("tokenizer.ggml.tokens") != nil)
        // The token list: find its count field (u64 after the key, type 9 and element type 8) and inflate it.
        let path = try Self.damaged { b in
            let key = Array("tokenizer.ggml.tokens".utf8)
            guard let i = (0..<(b.count - key.count)).first(where: { Array(b[$0..<($0 + key.count)]) == key }) else {
                return
            }
            Self.put(1 << 60, at: i + key.count + 8, in: &b)
        }
        #expect { _ = try GGUFReader.open(path) } throws: {
            "\($0)".contains("metadata 'tokenizer.ggml.tokens': an array of 1152921504606846976 elements")
        }
    }
}
