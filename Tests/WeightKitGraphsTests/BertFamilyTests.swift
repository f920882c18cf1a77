import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
@testable import WeightKitGraphs
import WeightKitMapping
import WeightKitTestSupport
import WeightKitVerification

/// RoBERTa and DistilBERT, added through the graph registry: tiny random models written by
/// transformers in PyTorch (safetensors and pytorch_model.bin) and TensorFlow (tf_model.h5), with
/// reference outputs from the same framework (Fixtures/references/generate_bert_family.py).
@Suite("RoBERTa and DistilBERT against transformers (PyTorch and TensorFlow)")
struct BertFamilyTests {
    static let fixtures: [(dir: String, kind: GraphKind, convention: Convention)] = [
        ("roberta_pt", .roberta, .huggingFacePyTorch), ("roberta_cls_pt", .roberta, .huggingFacePyTorch),
        ("roberta_cls_bin", .roberta, .huggingFacePyTorch), ("roberta_tf", .roberta, .huggingFaceTF),
        ("roberta_cls_tf", .roberta, .huggingFaceTF),
        ("distilbert_pt", .distilbert, .huggingFacePyTorch), ("distilbert_cls_pt", .distilbert, .huggingFacePyTorch),
        ("distilbert_cls_bin", .distilbert, .huggingFacePyTorch), ("distilbert_tf", .distilbert, .huggingFaceTF),
        ("distilbert_cls_tf", .distilbert, .huggingFaceTF),
    ]

    static func path(_ rel: String) -> String { TestFixtures.path("bert_family/" + rel) }

    @Test("map detects the graph without --model, every tensor accounted for", arguments: fixtures)
    func detected(_ f: (dir: String, kind: GraphKind, convention: Convention)) throws {
        let report = try Graphs.map(try Checkpoints.open(Self.path(f.dir)))
        #expect(report.kind == f.kind && report.convention == f.convention, "\(report.text)")
        #expect(report.passed && report.unexpected.isEmpty, "\(report.text)")
    }

    @Test(
        "verify passes at 1e-5 against the framework's outputs (padding in the batch, heads included)",
        arguments: fixtures)
    func verifies(_ f: (dir: String, kind: GraphKind, convention: Convention)) throws {
        let r = try Verifier.verify(
            checkpoint: Self.path(f.dir), reference: Self.path(f.dir + ".reference.safetensors"))
        #expect(r.passed, "\(r.text)")
        #expect(r.model == f.kind.rawValue && r.unproducible.isEmpty)
        #expect(r.comparisons.allSatisfy { $0.maxAbsError <= 1e-5 && $0.compared > 0 })
        if f.dir.contains("_cls_") { #expect(r.comparisons.contains { $0.name == "logits" }) }
    }

    @Test(
        "DistilBERT's own WordPiece tokenizer (saved by transformers beside the model): a text-only bundle verifies",
        arguments: [
            "distilbert_cls_pt.text.reference.safetensors", "distilbert_cls_pt.ids.reference.safetensors",
        ])
    func textBundle(_ bundle: String) throws {
        let r = try Verifier.verify(checkpoint: Self.path("distilbert_cls_pt"), reference: Self.path(bundle))
        #expect(r.passed, "\(r.text)")
        #expect(r.comparisons.map(\.name).sorted() == ["last_hidden_state", "logits"])
        if bundle.contains(".text.") {
            #expect(r.numerics.contains { $0.key == "inputs" && $0.value.contains("tokenised from input.text") })
        }
    }

    @Test(
        "a graph-ready .wkc (convert --model) verifies alone",
        arguments: ["roberta_cls_tf", "roberta_pt", "distilbert_cls_tf", "distilbert_cls_bin"])
    func graphReady(_ dir: String) throws {
        let scratch = try TestFixtures.scratchDirectory("family-ready")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = try Checkpoints.open(Self.path(dir))
        try GraphReadyWriter.write(source, report: try Graphs.map(source), to: scratch + "/g.wkc")
        let ready = try Checkpoints.open(scratch + "/g.wkc")
        let report = try Graphs.map(ready)
        #expect(report.convention == .graphReady && report.passed, "\(report.text)")
        #expect(report.selection?.contains(".wkc model section") == true)
        let r = try Verifier.verify(
            checkpoint: scratch + "/g.wkc", reference: Self.path(dir + ".reference.safetensors"))
        #expect(r.passed, "\(r.text)")
    }

    @Test(
        "--layout hf writes the same class, with the family's prefix and head names",
        arguments: [
            (
                "roberta_cls_tf", "RobertaForSequenceClassification",
                "roberta.encoder.layer.0.attention.self.query.weight", "classifier.out_proj.weight"
            ),
            (
                "distilbert_cls_tf", "DistilBertForSequenceClassification",
                "distilbert.transformer.layer.0.attention.q_lin.weight", "pre_classifier.weight"
            ),
            ("roberta_tf", "RobertaModel", "encoder.layer.1.output.LayerNorm.bias", "pooler.dense.weight"),
        ])
    func huggingFaceLayout(_ c: (String, String, String, String)) throws {
        let scratch = try TestFixtures.scratchDirectory("family-hf")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let source = try Checkpoints.open(Self.path(c.0))
        try HuggingFaceWriter.writeBert(source, report: try Graphs.map(source), to: scratch + "/out")
        let config = try FileSystem.readJSON(scratch + "/out/config.json")
        #expect(config["architectures"]?.arrayValue?.first?.stringValue == c.1)
        let written = try Checkpoints.open(scratch + "/out")
        #expect(written.info(named: c.2) != nil && written.info(named: c.3) != nil, "\(written.tensors.map(\.name))")
        // And it verifies again, read back as PyTorch names.
        let r = try Verifier.verify(checkpoint: scratch + "/out", reference: Self.path(c.0 + ".reference.safetensors"))
        #expect(r.passed, "\(r.text)")
    }

    @Test(
        "a RoBERTa never passes as BERT: the config's model_type fails the BERT mapping, and asking for bert is refused"
    )
    func robertaIsNotBert() throws {
        let c = try Checkpoints.open(Self.path("roberta_pt"))  // names without prefix: exactly BERT's
        let asBert = BertMapper.map(c)
        #expect(!asBert.passed)
        #expect(asBert.configProblem?.contains("roberta") == true, "\(asBert.text)")
        #expect { _ = try Graphs.map(c, kind: .bert) } throws: { "\($0)".contains("model_type is roberta") }
        // The TF prefix says it too, without any config.
        let tf = try Checkpoints.open(Self.path("roberta_cls_tf/tf_model.h5"))
        #expect(Graphs.evidence(tf).names?.0 == .roberta)
    }

    @Test("RoBERTa's position ids start after the padding index and skip padding tokens, as transformers makes them")
    func robertaPositions() throws {
        // create_position_ids_from_input_ids([[0, 5, 1, 7, 1]], padding_idx=1) = [[2, 3, 1, 4, 1]]
        let ids = [[0, 5, 1, 7, 1], [0, 8, 9, 2, 2]]
        let config = try #require(try Graphs.map(try Checkpoints.open(Self.path("roberta_pt"))).config)
        let model = try BertModel(
            config: config,
            source: MappedParameterSource(
                checkpoint: try Checkpoints.open(Self.path("roberta_pt")),
                report: try Graphs.map(try Checkpoints.open(Self.path("roberta_pt")))))
        #expect(config.paddingIdx == 1 && config.architecture.positions == .afterPadding)
        #expect(
            try BertModel.positionIds(ids, .afterPadding, paddingIdx: 1, maxPositions: 26) == [
                [2, 3, 1, 4, 1], [2, 3, 4, 5, 6],
            ])
        #expect(
            try BertModel.positionIds(ids, .fromZero, paddingIdx: 1, maxPositions: 26) == [
                [0, 1, 2, 3, 4], [0, 1, 2, 3, 4],
            ])
        _ = try model.forward(.init(inputIds: ids), outputs: ["last_hidden_state"])
        let long = [Array(repeating: 5, count: 25)]  // 25 tokens need position 26: past max_position_embeddings 26
        #expect { _ = try model.forward(.init(inputIds: long), outputs: ["last_hidden_state"]) } throws: {
            "\($0)".contains("exceeds max_position_embeddings 26")
        }
    }

    @Test("verify from input.text on RoBERTa: tokenised by the byte-level BPE, the outputs agree at 1e-5")
    func robertaFromText() throws {
        let r = try Verifier.verify(
            checkpoint: Self.path("roberta_bpe_cls_pt"),
            reference: Self.path("roberta_bpe_cls_pt.text.reference.safetensors"), config: nil)
        #expect(r.passed, "\(r.text)")
        let inputs = r.numerics.first { $0.key == "inputs" }?.value ?? ""
        #expect(inputs.contains("tokenised from input.text") && inputs.contains("byte-level BPE"), "\(inputs)")
        #expect(Set(r.comparisons.map(\.name)) == ["logits", "last_hidden_state"])
    }
}
