import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitFormats
import WeightKitTestSupport
@testable import WeightKitGraphs
@testable import WeightKitMapping

/// `tensors` written by WeightKit's safetensors writer into `dir`, beside the tiny PyTorch BERT's
/// config.json, and opened: the fixture with one edit.
func openTinyBertRewrite(_ tensors: [OutputTensor], in dir: String) throws -> any Checkpoint {
    try SafetensorsWriter.write(tensors, to: dir + "/model.safetensors")
    try FileManager.default.copyItem(
        atPath: TestFixtures.path("references/tiny_bert_pt/config.json"), toPath: dir + "/config.json")
    return try Checkpoints.open(dir + "/model.safetensors")
}

@Suite("BERT mapping: every convention onto the graph, with a complete report")
struct MappingTests {
    @Test(
        "each fixture maps with nothing missing or unexpected, and the mapped graph reproduces its reference",
        arguments: [
            (
                "references/tiny_bert_pt/model.safetensors", "references/tiny_bert_pt.reference.safetensors",
                Convention.huggingFacePyTorch
            ),
            (
                "references/tiny_bert_cls_pt/model.safetensors", "references/tiny_bert_cls_pt.reference.safetensors",
                .huggingFacePyTorch
            ),
            ("keras/hf_bert", "keras/hf_bert.reference.safetensors", .huggingFaceTF),
            ("keras/hf_bert_cls", "keras/hf_bert_cls.reference.safetensors", .huggingFaceTF),
            ("keras/hf_bert_sharded", "keras/hf_bert.reference.safetensors", .huggingFaceTF),
            ("keras/kerashub_bert.weights.h5", "keras/kerashub_bert.reference.safetensors", .kerasHub),
            ("keras/model_garden_bert.h5", "keras/model_garden_bert.reference.safetensors", .tfModelGarden),
            ("pytorch/tiny_bert_cls_bin", "references/tiny_bert_cls_pt.reference.safetensors", .huggingFacePyTorch),
            ("pytorch/tiny_bert_bin_sharded", "references/tiny_bert_pt.reference.safetensors", .huggingFacePyTorch),
            // One TensorFlow BERT written every way (Fixtures/tensorflow/generate_bert.py), against
            // what hub.KerasLayer computed from its TF-Hub export.
            ("tensorflow/google_bert", "tensorflow/hub_encoder.reference.safetensors", .googleBert),
            (
                "tensorflow/google_bert_classifier", "tensorflow/google_bert_classifier.reference.safetensors",
                .googleBert
            ),
            ("tensorflow/google_bert_train", "tensorflow/hub_encoder.reference.safetensors", .googleBert),
            ("tensorflow/tf2_encoder", "tensorflow/hub_encoder.reference.safetensors", .tfModelGarden),
            ("tensorflow/tf2_pretrainer", "tensorflow/hub_encoder.reference.safetensors", .tfModelGarden),
            ("tensorflow/hub_encoder", "tensorflow/hub_encoder.reference.safetensors", .tfModelGarden),
        ])
    func mapsAndReproduces(_ c: (String, String, Convention)) throws {
        let checkpoint = try Checkpoints.open(TestFixtures.path(c.0))
        let report = BertMapper.map(checkpoint)
        #expect(report.convention == c.2)
        #expect(report.passed, "\(report.text)")
        #expect(report.missing.isEmpty && report.unexpected.isEmpty)
        let config = try #require(report.config)
        let model = try BertModel(config: config, source: MappedParameterSource(checkpoint: checkpoint, report: report))
        // (The sharded TF checkpoint is the same model as hf_bert: same reference.)
        for (n, err) in try bertErrors(model, bundle: TestFixtures.path(c.1)) {
            #expect(err <= 1e-5, "\(c.0) \(n): \(err)")
        }
    }

    @Test(
        "Google BERT: bert_config.json is the config, its \"gelu\" read as the tanh GELU modeling.py computes, and said so"
    )
    func googleBertConfig() throws {
        let report = BertMapper.map(try Checkpoints.open(TestFixtures.path("tensorflow/google_bert_classifier")))
        #expect(report.configSource == "model config (bert_config.json)")
        #expect(report.config?.activation == .geluTanh && report.config?.maskValue == -10000)
        #expect(report.notes.contains { $0.contains("tanh approximation") })
        #expect(report.config?.numLabels == 3 && report.inferred.contains { $0.hasPrefix("num_labels") })
        let pretrained = BertMapper.map(try Checkpoints.open(TestFixtures.path("tensorflow/google_bert")))
        #expect(pretrained.unused.filter(\.ignorable).map(\.name).allSatisfy { $0.hasPrefix("cls/") })
        #expect(pretrained.unused.count == 7 && pretrained.config?.numLabels == nil)
    }

    @Test("keras-hub without any config: heads from the 3-D kernels, tanh GELU defaulted and said so")
    func inferredConfig() throws {
        let report = BertMapper.map(try Checkpoints.open(TestFixtures.path("keras/kerashub_bert.weights.h5")))
        #expect(report.configSource == "inferred from shapes")
        #expect(report.config?.numHeads == 2 && report.config?.numLayers == 2 && report.config?.intermediateSize == 37)
        #expect(report.inferred.contains("num_attention_heads"))
        #expect(report.defaulted.contains { $0.hasPrefix("hidden_act") })
        #expect(
            report.entries.contains {
                $0.canonical == "encoder.layer.1.attention.self.query.weight" && $0.transform == "reshape"
            })
    }

    /// The tiny PyTorch BERT rewritten with one change, through WeightKit's own safetensors writer.
    func variant(_ edit: (inout [OutputTensor], TensorView) throws -> Void) throws -> any Checkpoint {
        let source = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))
        var tensors = try source.tensors.map { OutputTensor(try source.view($0)) }
        try edit(&tensors, try source.tensor(named: "pooler.dense.bias"))
        return try openTinyBertRewrite(tensors, in: try TestFixtures.scratchDirectory("mapping"))
    }

    @Test("a removed tensor is reported missing")
    func missing() throws {
        let report = BertMapper.map(
            try variant { t, _ in t.removeAll { $0.name == "encoder.layer.1.output.dense.bias" } })
        #expect(!report.passed)
        #expect(report.missing.map(\.canonical) == ["encoder.layer.1.output.dense.bias"])
    }

    @Test("a tensor of the wrong shape is reported with both shapes")
    func wrongShape() throws {
        let report = BertMapper.map(
            try variant { t, pooler in
                let i = t.firstIndex { $0.name == "encoder.layer.0.intermediate.dense.bias" }!
                // [32] instead of [37]
                t[i] = OutputTensor(name: "encoder.layer.0.intermediate.dense.bias", dtype: .f32, source: pooler)
            })
        #expect(!report.passed)
        let e = try #require(report.mismatched.first)
        #expect(
            e.canonical == "encoder.layer.0.intermediate.dense.bias" && e.expectedShape == [37] && e.sourceShape == [32]
        )
    }

    @Test("an extra unknown tensor is unexpected; position_ids is ignorable")
    func extra() throws {
        let report = BertMapper.map(
            try variant { t, pooler in
                t.append(OutputTensor(name: "encoder.mystery.weight", dtype: .f32, source: pooler))
                t.append(OutputTensor(name: "embeddings.position_ids", dtype: .f32, source: pooler))
            })
        #expect(!report.passed)
        #expect(report.unexpected.map(\.name) == ["encoder.mystery.weight"])
        #expect(report.unused.contains { $0.name == "embeddings.position_ids" && $0.ignorable })
    }

    @Test("two candidates for one parameter are ambiguous, both named")
    func ambiguous() throws {
        let report = BertMapper.map(
            try variant { t, pooler in
                t.append(OutputTensor(name: "bert.pooler.dense.bias", dtype: .f32, source: pooler))
            })
        #expect(!report.passed)
        let e = try #require(report.ambiguous.first)
        #expect(
            e.canonical == "pooler.dense.bias" && Set(e.candidates) == ["pooler.dense.bias", "bert.pooler.dense.bias"])
    }
}

@Suite("graph-ready .wkc")
struct GraphReadyTests {
    @Test(
        "every convention converts to a graph-ready .wkc that binds with no copy and reproduces the reference",
        arguments: [
            ("references/tiny_bert_cls_pt/model.safetensors", "references/tiny_bert_cls_pt.reference.safetensors"),
            ("references/tiny_bert_pt/model.safetensors", "references/tiny_bert_pt.reference.safetensors"),
            ("keras/hf_bert", "keras/hf_bert.reference.safetensors"),
            ("keras/kerashub_bert.weights.h5", "keras/kerashub_bert.reference.safetensors"),
            ("pytorch/tiny_bert_cls_bin/pytorch_model.bin", "references/tiny_bert_cls_pt.reference.safetensors"),
            ("keras/model_garden_bert.h5", "keras/model_garden_bert.reference.safetensors"),
        ])
    func graphReady(_ c: (String, String)) throws {
        let source = try Checkpoints.open(TestFixtures.path(c.0))
        let dir = try TestFixtures.scratchDirectory("graphready")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try GraphReadyWriter.writeBert(source, report: BertMapper.map(source), to: dir + "/g.wkc")
        let ready = try Checkpoints.open(dir + "/g.wkc")
        #expect(ready.metadata["weightkit.layout"] == "graph-ready")
        let report = BertMapper.map(ready)
        #expect(report.convention == .graphReady && report.passed, "\(report.text)")
        #expect(report.entries.allSatisfy { $0.transform == "none" })
        let model = try BertModel(
            config: try #require(report.config), source: MappedParameterSource(checkpoint: ready, report: report))
        #expect(model.weightsInPlace, "a graph-ready file must bind without copying weights")
        for (n, err) in try bertErrors(model, bundle: TestFixtures.path(c.1)) {
            #expect(err <= 1e-5, "\(c.0) → .wkc \(n): \(err)")
        }
    }

    @Test("a plain .wkc with canonical names is not taken for graph-ready (orientation would be wrong)")
    func notGraphReadyByName() throws {
        let source = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))
        let dir = try TestFixtures.scratchDirectory("plainwkc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Converter.convert(source, to: dir + "/plain.wkc")
        #expect(BertMapper.map(try Checkpoints.open(dir + "/plain.wkc")).convention == .huggingFacePyTorch)
    }
}

@Suite("text-classifier mapping problems")
struct TextClassifierMappingProblemTests {
    @Test("a BERT checkpoint is not a text classifier: no convention, every tensor unexpected")
    func bertIsNotTextClassifier() throws {
        let report = TextClassifierMapper.map(try Checkpoints.open(TestFixtures.path("keras/kerashub_bert.weights.h5")))
        #expect(report.convention == nil && !report.passed)
        #expect(report.unexpected.count == 39)
    }

    @Test("a given config that disagrees with the file is reported as shape mismatches")
    func wrongConfig() throws {
        let c = TextClassifierConfig(
            vocabSize: 1000, maxLength: 64, embedDim: 32, numHeads: 4, keyDim: 8, feedForwardDim: 32,
            hiddenUnits: 20, numClasses: 4)
        let report = TextClassifierMapper.map(
            try Checkpoints.open(TestFixtures.path("keras/textclf_k3.weights.h5")), config: c)
        #expect(!report.passed)
        #expect(
            report.mismatched.contains {
                $0.canonical == "block.attention.query.kernel" && $0.expectedShape == [32, 4, 8]
                    && $0.sourceShape == [32, 2, 32]
            })
    }
}

@Suite("legacy spellings")
struct LegacySpellingTests {
    @Test("PyTorch LayerNorm gamma / beta map like weight / bias")
    func gammaBeta() throws {
        let source = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))
        let renamed = try source.tensors.map { t -> OutputTensor in
            let n =
                t.name.hasSuffix("LayerNorm.weight")
                ? String(t.name.dropLast(6)) + "gamma"
                : t.name.hasSuffix("LayerNorm.bias") ? String(t.name.dropLast(4)) + "beta" : t.name
            return OutputTensor(name: n, dtype: t.dtype, source: try source.view(t))
        }
        let dir = try TestFixtures.scratchDirectory("gammabeta")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = BertMapper.map(try openTinyBertRewrite(renamed, in: dir))
        #expect(report.passed, "\(report.text)")
        #expect(
            report.entries.first { $0.canonical == "encoder.layer.1.output.LayerNorm.weight" }?.source
                == "encoder.layer.1.output.LayerNorm.gamma")
    }
}

@Suite("--layout hf output")
struct HuggingFaceLayoutTests {
    @Test(
        "TF and keras-hub BERTs written as Hugging Face PyTorch directories map back and reproduce their references",
        arguments: [
            ("keras/hf_bert_cls", "keras/hf_bert_cls.reference.safetensors"),
            ("keras/kerashub_bert.weights.h5", "keras/kerashub_bert.reference.safetensors"),
        ])
    func roundTrip(_ c: (String, String)) throws {
        let source = try Checkpoints.open(TestFixtures.path(c.0))
        let dir = try TestFixtures.scratchDirectory("hflayout")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try HuggingFaceWriter.writeBert(source, report: BertMapper.map(source), to: dir + "/out")
        let written = try Checkpoints.open(dir + "/out")
        let report = BertMapper.map(written)
        #expect(report.convention == .huggingFacePyTorch && report.passed, "\(report.text)")
        #expect(written.modelConfig?["architectures"]?.arrayValue?.first?.stringValue != nil)
        let model = try BertModel(
            config: try #require(report.config), source: MappedParameterSource(checkpoint: written, report: report))
        for (n, err) in try bertErrors(model, bundle: TestFixtures.path(c.1)) {
            #expect(err <= 1e-5, "\(c.0) → hf \(n): \(err)")
        }
    }
}

@Suite("tied weights")
struct TiedWeightTests {
    @Test("an MLM decoder sharing the word embeddings is reported tied, and ignorable")
    func tiedDecoder() throws {
        let source = try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))
        var tensors = try source.tensors.map { OutputTensor(try source.view($0)) }
        tensors.append(
            OutputTensor(
                name: "cls.predictions.decoder.weight", dtype: .f32,
                source: try source.tensor(named: "embeddings.word_embeddings.weight")))
        let dir = try TestFixtures.scratchDirectory("tied")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let report = BertMapper.map(try openTinyBertRewrite(tensors, in: dir))
        #expect(report.passed, "\(report.text)")
        #expect(report.tied == [["cls.predictions.decoder.weight", "embeddings.word_embeddings.weight"]])
        #expect(report.unused.contains { $0.name == "cls.predictions.decoder.weight" && $0.ignorable })
    }

    @Test("independent weights of equal shape are not tied")
    func notTied() throws {
        #expect(
            BertMapper.map(try Checkpoints.open(TestFixtures.path("references/tiny_bert_pt/model.safetensors"))).tied
                .isEmpty)
    }
}

@Suite("mapped outputs in half precision")
struct MappedDTypeTests {
    @Test(
        "--dtype f16 graph-ready and bf16 --layout hf: the right dtypes, and the model still agrees to half-precision accuracy"
    )
    func halfPrecision() throws {
        let src = try Checkpoints.open(TestFixtures.path("keras/hf_bert_cls"))
        let dir = try TestFixtures.scratchDirectory("halfmapped")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try GraphReadyWriter.writeBert(src, report: BertMapper.map(src), to: dir + "/g16.wkc", dtype: .f16)
        try HuggingFaceWriter.writeBert(src, report: BertMapper.map(src), to: dir + "/hfbf", dtype: .bf16)
        for (path, dtype, atol) in [(dir + "/g16.wkc", DType.f16, 5e-3), (dir + "/hfbf", .bf16, 5e-2)] {
            let c = try Checkpoints.open(path)
            #expect(c.tensors.allSatisfy { $0.dtype == dtype })
            let report = BertMapper.map(c)
            #expect(report.passed, "\(report.text)")
            let model = try BertModel(
                config: try #require(report.config), source: MappedParameterSource(checkpoint: c, report: report))
            #expect(!model.weightsInPlace, "half-precision weights are converted to float32 at bind")
            let err = try #require(
                try bertErrors(
                    model, bundle: TestFixtures.path("keras/hf_bert_cls.reference.safetensors"), outputs: ["logits"])[
                        "logits"])
            #expect(err > 0 && err < Float(atol), "\(path): \(err)")
        }
    }
}

@Suite("TensorFlow Model Garden / TF-Hub BERT names")
struct ModelGardenTests {
    @Test(
        "converted to safetensors under other prefixes and without ':0', the names still map and reproduce the reference",
        arguments: ["", "bert_encoder/", "keras_layer/bert_model/"])
    func convertedNames(_ prefix: String) throws {
        let source = try Checkpoints.open(TestFixtures.path("keras/model_garden_bert.h5"))
        let dir = try TestFixtures.scratchDirectory("modelgarden")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // "transformer/layer_0/transformer/layer_0/self_attention/query/kernel:0" → prefix + "transformer/layer_0/self_attention/query/kernel"
        let outputs: [OutputTensor] = try source.tensors.map { t in
            let group = try #require(source.annotations[t.name]?.layer)  // the legacy .h5 layer group in front
            let own = t.name.dropFirst(group.count + 1)
            return OutputTensor(name: prefix + String(own.dropLast(2)), dtype: t.dtype, source: try source.view(t))
        }
        try SafetensorsWriter.write(outputs, to: dir + "/model.safetensors")
        let converted = try Checkpoints.open(dir + "/model.safetensors")
        let report = BertMapper.map(converted)
        #expect(report.convention == .tfModelGarden && report.passed, "\(report.text)")
        let model = try BertModel(
            config: try #require(report.config), source: MappedParameterSource(checkpoint: converted, report: report))
        for (n, err) in try bertErrors(
            model, bundle: TestFixtures.path("keras/model_garden_bert.reference.safetensors"))
        { #expect(err <= 1e-5, "\(n): \(err)") }
    }

    @Test("the reference tells the GELU variants apart: exact GELU misses it, tanh GELU (the inferred default) fits")
    func activation() throws {
        let source = try Checkpoints.open(TestFixtures.path("keras/model_garden_bert.h5"))
        let report = BertMapper.map(source)
        var config = try #require(report.config)
        #expect(config.activation == .geluTanh && config.maskValue == -1e9)
        config.activation = .geluExact
        let model = try BertModel(config: config, source: MappedParameterSource(checkpoint: source, report: report))
        let err = try #require(
            try bertErrors(model, bundle: TestFixtures.path("keras/model_garden_bert.reference.safetensors"))[
                "last_hidden_state"])
        #expect(err > 1e-4, "exact GELU should not reproduce Model Garden's tanh GELU (error \(err))")
    }
}
