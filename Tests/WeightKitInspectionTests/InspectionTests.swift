import Foundation
import Testing
@testable import WeightKitCheckpoints
@testable import WeightKitInspection
import WeightKitTestSupport

@Suite("inspection helpers")
struct InspectionTests {
    @Test("statistics match a direct double-precision computation, NaN and Inf counted apart")
    func statistics() throws {
        let dir = try TestFixtures.scratchDirectory()
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

    @Test(
        "grouping collapses block numbers but keeps a layer's own indices",
        arguments: [
            ("encoder.layer.11.attention.self.query.weight", "encoder.layer.#.attention.self.query.weight"),
            (
                "tf_bert_model/bert/encoder/layer_._3/output/dense/kernel:0",
                "tf_bert_model/bert/encoder/layer_._#/output/dense/kernel:0"
            ),
            (
                "layers/transformer_encoder_1/_self_attention_layer/query_dense/vars/0",
                "layers/transformer_encoder_#/_self_attention_layer/query_dense/vars/0"
            ),
            ("h.0.attn.c_attn.weight", "h.#.attn.c_attn.weight"),
            ("embeddings.position_ids", "embeddings.position_ids"),
        ])
    func grouping(_ pair: (String, String)) {
        #expect(NameGrouping.pattern(of: pair.0) == pair.1)
    }

    @Test(
        "globs",
        arguments: [
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
        let c = try SafetensorsReader.open(TestFixtures.path("safetensors/mixed.safetensors"))
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
