import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping
import WeightKitTestSupport

@Suite("choosing the graph")
struct GraphSelectionTests {
    @Test(
        "without a graph named, a Keras 2 text classifier (head layers dense_2 / dense_3) maps onto the text classifier, and says why"
    )
    func textClassifierChosen() throws {
        let report = try Graphs.map(try Checkpoints.open(TestFixtures.path("keras/textclf_k2.h5")))
        #expect(report.kind == .textClassifier && report.passed, "\(report.text)")
        #expect(report.selection?.contains("only graph") == true)
    }

    @Test(
        "config.json's model_type decides the graph",
        arguments: [
            ("references/tiny_bert_pt/model.safetensors", GraphKind.bert), ("keras/hf_bert_cls/tf_model.h5", .bert),
        ])
    func configDecides(_ c: (String, GraphKind)) throws {
        let report = try Graphs.map(try Checkpoints.open(TestFixtures.path(c.0)))
        #expect(report.kind == c.1 && report.passed, "\(report.text)")
        #expect(report.selection?.contains("model_type") == true)
    }

    @Test("asking for a graph the config contradicts is an error naming both")
    func contradiction() throws {
        let c = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))
        #expect { _ = try Graphs.map(c, kind: .roberta) } throws: { e in
            let d = "\(e)"
            return d.contains("roberta graph was asked for") && d.contains("model_type is bert")
        }
    }

    @Test("a config.json the graph cannot use fails the mapping and says so, instead of inferring from shapes")
    func rejectedConfig() throws {
        let dir = try TestFixtures.scratchDirectory("badcfg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = TestFixtures.path("references/tiny_bert_pt")
        try FileManager.default.copyItem(atPath: src + "/model.safetensors", toPath: dir + "/model.safetensors")
        var cfg = try String(contentsOfFile: src + "/config.json", encoding: .utf8)
        cfg = cfg.replacingOccurrences(of: "\"hidden_act\": \"gelu\"", with: "\"hidden_act\": \"swish\"")
        try cfg.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        let report = BertMapper.map(try Checkpoints.open(dir + "/model.safetensors"))
        #expect(!report.passed)
        #expect(report.configProblem?.contains("hidden_act 'swish' is not supported") == true, "\(report.text)")
        #expect(report.text.contains("config problem: hidden_act 'swish'"))
    }
}
