import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitGraphs
@testable import WeightKitVerification
import WeightKitMapping

@Suite("weightkit verify: comparisons against the original frameworks")
struct VerificationTests {
    @Test(
        "every fixture passes against its reference bundle",
        arguments: [
            ("references/tiny_bert_pt/model.safetensors", "references/tiny_bert_pt.reference.safetensors"),
            ("references/tiny_bert_cls_pt/model.safetensors", "references/tiny_bert_cls_pt.reference.safetensors"),
            ("keras/hf_bert", "keras/hf_bert.reference.safetensors"),
            ("keras/hf_bert_cls", "keras/hf_bert_cls.reference.safetensors"),
            ("keras/hf_bert_sharded", "keras/hf_bert.reference.safetensors"),
            ("keras/kerashub_bert.weights.h5", "keras/kerashub_bert.reference.safetensors"),
            ("keras/textclf_k3.keras", "keras/textclf_k3.reference.safetensors"),
            ("keras/textclf_k2_weights.h5", "keras/textclf_k2.reference.safetensors"),
        ])
    func passes(_ c: (String, String)) throws {
        let r = try Verifier.verify(checkpoint: TestFixtures.path(c.0), reference: TestFixtures.path(c.1))
        #expect(r.passed, "\(r.text)")
        #expect(r.firstDivergence == nil && r.unproducible.isEmpty)
        #expect(r.comparisons.allSatisfy { $0.compared > 0 && $0.cosine > 0.99999 })
    }

    func config(_ edit: (inout BertConfig) -> Void) throws -> BertConfig {
        var c = try BertConfig(
            huggingFace: try FileSystem.readJSON(TestFixtures.path("references/tiny_bert_pt/config.json")))
        edit(&c)
        return c
    }

    @Test("a wrong epsilon diverges at the embeddings, with a hint naming it")
    func wrongEps() throws {
        let r = try Verifier.verify(
            checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"),
            reference: TestFixtures.path("references/tiny_bert_pt.reference.safetensors"),
            bertConfig: try config { $0.layerNormEps = 1e-3 })
        #expect(!r.passed)
        #expect(r.firstDivergence == "hidden_states.0")
        #expect(r.hint?.contains("layer_norm_eps (0.001)") == true)
    }

    @Test("the tanh GELU on an exact-GELU model diverges at the first encoder layer, with a hint naming hidden_act")
    func wrongGELU() throws {
        let r = try Verifier.verify(
            checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"),
            reference: TestFixtures.path("references/tiny_bert_pt.reference.safetensors"),
            bertConfig: try config { $0.activation = .geluTanh })
        #expect(!r.passed)
        #expect(r.firstDivergence == "hidden_states.1")
        #expect(r.hint?.contains("hidden_act (gelu_tanh") == true)
        let first = try #require(r.comparisons.first { $0.name == "hidden_states.1" })
        #expect(first.mismatched > 0 && first.minPassingAtol > 1e-5)
    }

    @Test("tolerances: a looser atol turns the failure into a pass; the minimum passing atol is exact")
    func tolerances() throws {
        let cfg = try config { $0.activation = .geluTanh }
        let strict = try Verifier.verify(
            checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"),
            reference: TestFixtures.path("references/tiny_bert_pt.reference.safetensors"), bertConfig: cfg)
        let needed = strict.comparisons.map(\.minPassingAtol).max()!
        let loose = try Verifier.verify(
            checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"),
            reference: TestFixtures.path("references/tiny_bert_pt.reference.safetensors"), atol: needed * 1.01,
            bertConfig: cfg)
        #expect(loose.passed, "\(loose.text)")
    }

    func bundle(_ tensors: [String: TensorView], metadata: [String: String]) throws -> String {
        let dir = try TestFixtures.scratchDirectory("bundle")
        try SafetensorsWriter.write(
            tensors.map { OutputTensor(name: $0.key, dtype: $0.value.dtype, source: $0.value) }, metadata: metadata,
            to: dir + "/b.safetensors")
        return dir + "/b.safetensors"
    }

    @Test("an output the graph cannot produce is reported and fails, never skipped")
    func unproducible() throws {
        let src = try Checkpoints.open(TestFixtures.path("references/tiny_bert_cls_pt.reference.safetensors"))
        var t: [String: TensorView] = [:]
        for i in src.tensors { t[i.name] = try src.view(i) }
        let path = try bundle(t, metadata: ["weightkit.reference": "1"])
        // BertModel without the classifier head: logits cannot be produced.
        let r = try Verifier.verify(
            checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"), reference: path)
        #expect(!r.passed)
        #expect(r.unproducible == ["logits"])
    }

    @Test("bad bundles are refused with a reason", arguments: ["not-a-bundle", "unknown-tensor", "no-outputs"])
    func badBundles(_ kind: String) throws {
        let src = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt.reference.safetensors"))
        var t: [String: TensorView] = [:]
        for i in src.tensors where kind != "no-outputs" || i.name.hasPrefix("input.") { t[i.name] = try src.view(i) }
        if kind == "unknown-tensor" { t["extra.thing"] = try src.tensor(named: "input.input_ids") }
        let path = try bundle(t, metadata: kind == "not-a-bundle" ? ["format": "pt"] : ["weightkit.reference": "1"])
        #expect(throws: ReferenceBundle.Problem.self) {
            _ = try Verifier.verify(
                checkpoint: TestFixtures.path("references/tiny_bert_pt/model.safetensors"), reference: path)
        }
    }
}

@Suite("weightkit diff")
struct DiffTests {
    @Test(
        "a tf_model.h5 and the graph-ready .wkc and Hugging Face PyTorch directory made from it are identical once mapped"
    )
    func mappedIdentical() throws {
        let src = try Checkpoints.open(TestFixtures.path("keras/hf_bert_cls/tf_model.h5"))
        let dir = try TestFixtures.scratchDirectory("diff")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try WeightKitMapping.GraphReadyWriter.writeBert(
            src, report: WeightKitMapping.BertMapper.map(src), to: dir + "/g.wkc")
        try WeightKitMapping.HuggingFaceWriter.writeBert(
            src, report: WeightKitMapping.BertMapper.map(src), to: dir + "/hf")
        for other in [dir + "/g.wkc", dir + "/hf"] {
            let d = try CheckpointDiff.asBert(src, try Checkpoints.open(other))
            #expect(d.identical, "\(d.text)")
            #expect(d.rows.count == 41)
        }
        // By name the two conventions share nothing.
        let byName = try CheckpointDiff.byName(src, try Checkpoints.open(dir + "/hf"))
        #expect(!byName.identical && byName.rows.allSatisfy { $0.status == .onlyInA || $0.status == .onlyInB })
    }

    @Test("a changed tensor is found with its max abs difference; an f16 copy differs by the rounding")
    func changed() throws {
        let src = try Checkpoints.open(TestFixtures.path("safetensors/mixed.safetensors"))
        let dir = try TestFixtures.scratchDirectory("diff2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Converter.convert(src, to: dir + "/h.safetensors", dtype: .f16)
        let d = try CheckpointDiff.byName(src, try Checkpoints.open(dir + "/h.safetensors"))
        #expect(!d.identical)
        let row = try #require(d.rows.first { $0.name == "embeddings.word_embeddings.weight" })
        #expect(row.status == .differs && (row.maxAbsDiff ?? 0) > 0 && (row.maxAbsDiff ?? 1) < 1e-2)
        #expect(d.rows.first { $0.name == "position_ids" }?.status == .equal, "integers are not cast")
    }
}
