import Foundation
import Testing
@testable import WeightKitCheckpoints

@Suite("JSON parser")
struct JSONParserTests {
    @Test("keeps duplicate keys and order, exact number lexemes")
    func duplicatesAndNumbers() throws {
        let v = try JSONParser.parse(#"{"b":1,"a":2.50,"b":[1e3,-0]}"#)
        let o = try #require(v.objectValue)
        #expect(o.keys == ["b", "a", "b"])
        #expect(o.duplicateKeys() == ["b"])
        #expect(o["a"] == .number("2.50"))
        #expect(o["a"]?.intValue == nil)
        #expect(o["b"]?.intValue == 1)
    }

    @Test("string escapes and surrogate pairs")
    func escapes() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/\né😀"))
    }

    @Test(
        "rejects what RFC 8259 rejects",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\\x\"", "\"\\ud800\"", "tru", "{\"a\" 1}", "[1] 2",
            "\"a\nb\"", "NaN",
        ])
    func rejects(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func depthLimit() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test("writer output parses back to the same value")
    func writerRoundTrip() throws {
        let v: JSONValue = .object([
            "s": .string("tab\t\"q\" \u{1}é"), "a": .array([.int(1), .null, .bool(true)]), "o": .object([:]),
        ])
        #expect(try JSONParser.parse(v.serialized()) == v)
        #expect(try JSONParser.parse(v.serialized(indent: 2)) == v)
    }

    @Test(
        "UTF-8 validation finds overlong, surrogate and truncated sequences",
        arguments: [
            ([0xC0, 0xAF], 0), ([0x61, 0xED, 0xA0, 0x80], 1), ([0x61, 0x62, 0xE2, 0x82], 2),
            ([0xF5, 0x80, 0x80, 0x80], 0),
        ])
    func utf8(_ bytes: [UInt8], _ bad: Int) {
        #expect(bytes.withUnsafeBytes { UTF8Validation.firstInvalidByte($0) } == bad)
    }
}

@Suite("element decoding")
struct ElementDecodingTests {
    @Test("every finite half value survives half → float → half")
    func halfRoundTrip() {
        for h in 0...UInt16.max {
            let f = ElementDecoding.float(fromHalf: h)
            if f.isNaN { #expect(ElementDecoding.float(fromHalf: ElementDecoding.half(from: f)).isNaN); continue }
            #expect(ElementDecoding.half(from: f) == h, "half 0x\(String(h, radix: 16))")
        }
    }

    @Test("float → half rounds to nearest even, overflows to infinity")
    func halfRounding() {
        #expect(ElementDecoding.half(from: 1 + 1.0 / 2048) == 0x3C00)  // tie → even (down)
        #expect(ElementDecoding.half(from: 1 + 3.0 / 2048) == 0x3C02)  // tie → even (up)
        #expect(ElementDecoding.half(from: 65520) == 0x7C00)
        #expect(ElementDecoding.half(from: 5.9604645e-08) == 0x0001)
        #expect(ElementDecoding.half(from: -0.0) == 0x8000)
    }

    @Test("bfloat16 rounding and NaN")
    func bfloat() {
        #expect(ElementDecoding.bfloat(from: 1.0) == 0x3F80)
        #expect(ElementDecoding.bfloat(from: Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie → even
        #expect(ElementDecoding.bfloat(from: Float(bitPattern: 0x3F81_8000)) == 0x3F82)
        #expect(ElementDecoding.float(fromBFloat: ElementDecoding.bfloat(from: .nan)).isNaN)
    }

    @Test("FP8 tables: E4M3 max 448 and NaN, E5M2 infinities")
    func fp8() {
        #expect(ElementDecoding.e4m3Table[0x7E] == 448)
        #expect(ElementDecoding.e4m3Table[0x7F].isNaN)
        #expect(ElementDecoding.e5m2Table[0x7B] == 57344)
        #expect(ElementDecoding.e5m2Table[0x7C] == .infinity)
        #expect(ElementDecoding.e4m3Table[0x01] == Float(sign: .plus, exponent: -9, significand: 1))
    }

    @Test("sub-byte dtypes: sizes in bits, byte counts only on byte boundaries")
    func subByte() {
        #expect(DType.f4.byteCount(elements: 4) == 2)
        #expect(DType.f4.byteCount(elements: 3) == nil)
        #expect(DType.f6e2m3.byteCount(elements: 4) == 3)
        #expect(DType.allCases.count == 22)
    }
}
