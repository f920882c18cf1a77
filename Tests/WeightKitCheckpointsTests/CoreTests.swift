import Foundation
import Testing
@testable import WeightKitCheckpoints
@testable import WeightKitInspection

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

    @Test("rejects what RFC 8259 rejects", arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "1e", "\"\\x\"", "\"\\ud800\"", "tru", "{\"a\" 1}", "[1] 2", "\"a\nb\"", "NaN",
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
        let v: JSONValue = .object(["s": .string("tab\t\"q\" \u{1}é"), "a": .array([.int(1), .null, .bool(true)]), "o": .object([:])])
        #expect(try JSONParser.parse(v.serialized()) == v)
        #expect(try JSONParser.parse(v.serialized(indent: 2)) == v)
    }

    @Test("UTF-8 validation finds overlong, surrogate and truncated sequences", arguments: [
        ([0xC0, 0xAF], 0), ([0x61, 0xED, 0xA0, 0x80], 1), ([0x61, 0x62, 0xE2, 0x82], 2), ([0xF5, 0x80, 0x80, 0x80], 0),
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

@Suite("inspection helpers")
struct InspectionTests {
    @Test("statistics match a direct double-precision computation, NaN and Inf counted apart")
    func statistics() throws {
        let dir = try Fixture.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var values = (0..<3_000_001).map { Float(sin(Double($0) * 0.001)) * 3 + 0.5 }
        values[17] = .nan
        values[2_000_000] = .infinity
        values[2_500_000] = -.infinity
        var bytes = [UInt8]()
        values.withUnsafeBytes { bytes = [UInt8]($0) }
        let header = #"{"v":{"dtype":"F32","shape":[3000001],"data_offsets":[0,12000004]}}"#
        var file = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { [UInt8]($0) } + Array(header.utf8)
        file += bytes
        try Data(file).write(to: URL(fileURLWithPath: dir + "/v.safetensors"))
        let c = try SafetensorsReader.open(dir + "/v.safetensors")
        let s = try #require(StatisticsCalculator.compute([try c.tensor(named: "v")])[0])
        let finite = values.filter(\.isFinite).map(Double.init)
        let mean = finite.reduce(0, +) / Double(finite.count)
        let std = (finite.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(finite.count)).squareRoot()
        #expect(s.nanCount == 1 && s.infCount == 2)
        #expect(s.finiteCount == finite.count)
        #expect(s.min == finite.min()! && s.max == finite.max()!)
        #expect(abs(s.mean - mean) < 1e-6)
        #expect(abs(s.std - std) < 1e-5)
    }

    @Test("grouping collapses block numbers but keeps a layer's own indices", arguments: [
        ("encoder.layer.11.attention.self.query.weight", "encoder.layer.#.attention.self.query.weight"),
        ("tf_bert_model/bert/encoder/layer_._3/output/dense/kernel:0", "tf_bert_model/bert/encoder/layer_._#/output/dense/kernel:0"),
        ("layers/transformer_encoder_1/_self_attention_layer/query_dense/vars/0", "layers/transformer_encoder_#/_self_attention_layer/query_dense/vars/0"),
        ("h.0.attn.c_attn.weight", "h.#.attn.c_attn.weight"),
        ("embeddings.position_ids", "embeddings.position_ids"),
    ])
    func grouping(_ pair: (String, String)) {
        #expect(NameGrouping.pattern(of: pair.0) == pair.1)
    }

    @Test("globs", arguments: [
        ("encoder.*.query.*", "encoder.layer.0.attention.self.query.weight", true),
        ("*.bias", "a.weight", false),
        ("ints.[iu]8", "ints.u8", true),
        ("ints.[!u]8", "ints.u8", false),
        ("layer?0", "layer10", true),
        ("query", "encoder.layer.0.attention.self.query.weight", true),
    ])
    func globs(_ c: (String, String, Bool)) {
        #expect(GlobPattern.matches(c.0, c.1) == c.2)
    }

    @Test("inspect report totals and dtype summary")
    func report() throws {
        let c = try SafetensorsReader.open(Fixture.path("safetensors/mixed.safetensors"))
        let r = try InspectReport(checkpoint: c, stats: true)
        #expect(r.totalParameters == c.tensors.reduce(0) { $0 + $1.elementCount })
        #expect(r.totalBytes == c.tensors.reduce(0) { $0 + $1.byteCount })
        #expect(r.dtypeSummary.first(where: { $0.dtype == .f32 })?.tensors == 5)
        let half = try #require(r.rows.first(where: { $0.info.name == "half.weight" })?.stats)
        #expect(half.max == 65504 && half.min == -2.5)
        let json = r.json(grouped: true)
        #expect(json["format"]?.stringValue == "safetensors")
        #expect(json["tensors"]?.arrayValue?.first?["stats"]?["nan_count"] == .int(0))
    }
}
