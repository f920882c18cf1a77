import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// `verify MODEL --against SOURCE --framework KIND` (issue 18): the original framework run for the
/// user by the producer in python/ (weightkit-reference), then the usual report. PyTorch paths run
/// in CI with the pinned environment of Fixtures/requirements-torch.txt (Scripts/test.sh names it
/// WEIGHTKIT_TORCH_PYTHON); each has a failing case too.
@Suite("CLI: verify --against SOURCE --framework (the original framework, run for you)")
struct VerifyFrameworkCLITests {
    static let torchPython = ProcessInfo.processInfo.environment["WEIGHTKIT_TORCH_PYTHON"]
    static let plainPython = ProcessInfo.processInfo.environment["WEIGHTKIT_PYTHON"]
    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let classifier = CLI.fixture("references/tiny_bert_cls_pt")

    static func python() throws -> String {
        try #require(Self.torchPython, "WEIGHTKIT_TORCH_PYTHON unset: Scripts/test.sh makes the torch environment")
    }

    @Test(
        "transformers (PyTorch) classifier → graph-ready .wkc: PASS on every layer; an altered weight caught at hidden_states.2",
        .enabled(if: torchPython != nil || inCI, "set WEIGHTKIT_TORCH_PYTHON (Scripts/test.sh does)"))
    func pytorchClassifier() throws {
        let py = try Self.python()
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", Self.classifier, "-o", dir + "/cls.wkc", "--model", "bert").status == 0)
        let ok = try CLI.run(
            "verify", dir + "/cls.wkc", "--against", Self.classifier, "--framework", "hf", "--python", py, "--batch",
            "3x20", "--keep-reference", dir + "/ref.safetensors")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("run by torch ") && ok.stdout.contains("hidden_states.2    ok"), "\(ok.stdout)")
        #expect(ok.stdout.contains("logits") && ok.stderr.contains("running 3×20 in PyTorch"), "\(ok.stderr)")
        let kept = try SafetensorsReader.open(dir + "/ref.safetensors", options: .init())
        #expect(kept.metadata["framework"]?.hasPrefix("torch ") == true && kept.info(named: "output.logits") != nil)

        #expect(try CLI.run("convert", Self.classifier, "-o", dir + "/plain.safetensors").status == 0)
        try VerifyAgainstCLITests.expectAlteredCaught(
            dir + "/plain.safetensors", tensor: "bert.encoder.layer.1.output.dense.weight",
            reference: dir + "/ref.safetensors",
            divergence: "hidden_states.2", extra: ["--config", Self.classifier + "/config.json"])
    }

    @Test(
        "sentence-transformers on the real MiniLM: its .wkc from text and its GGUF on random ids PASS including sentence_embedding; an altered weight located",
        .enabled(if: (torchPython != nil && minilm != nil) || inCI, "needs WEIGHTKIT_TORCH_PYTHON and WEIGHTKIT_MINILM")
    )
    func sentenceTransformers() throws {
        let py = try Self.python()
        let model = try #require(Self.minilm, "WEIGHTKIT_MINILM unset")
        let dir = try CLI.scratch()
        #expect(
            try CLI.run("convert", model + "/model.safetensors", "-o", dir + "/m.wkc", "--model", "bert").status == 0)
        try "A man is eating food.\nQuarks are bound by gluons; the cat sat on the mat.\n".write(
            toFile: dir + "/texts.txt", atomically: true, encoding: .utf8)
        let r = try CLI.run(
            "verify", dir + "/m.wkc", "--against", model, "--framework", "sentence-transformers", "--python", py,
            "--text-file", dir + "/texts.txt", "--vocab", model + "/vocab.txt", "--atol", "2e-5",
            "--keep-reference", dir + "/ref.safetensors")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(
            r.stdout.contains("sentence_embedding  ok") && r.stdout.contains("sentence-transformers"), "\(r.stdout)")
        // A GGUF written from it, against sentence-transformers itself on random ids.
        #expect(try CLI.run("convert", model, "-o", dir + "/m.gguf").status == 0)
        let gguf = try CLI.run(
            "verify", dir + "/m.gguf", "--against", model, "--framework", "sentence-transformers", "--python", py,
            "--batch", "2x16")
        #expect(gguf.status == 0 && gguf.stdout.contains("sentence_embedding  ok"), "\(gguf.stdout)\(gguf.stderr)")
        // The same sentences against a copy with one layer-1 weight moved: caught, located.
        try VerifyAgainstCLITests.expectAlteredCaught(
            model + "/model.safetensors", tensor: "encoder.layer.1.output.dense.weight",
            reference: dir + "/ref.safetensors",
            divergence: "hidden_states.2",
            extra: ["--config", model + "/config.json", "--vocab", model + "/vocab.txt", "--atol", "2e-5"])
    }

    @Test(
        "clear errors: framework missing (names the pip extra), model not loadable (quotes transformers), architectures differ (names both)",
        .enabled(if: (torchPython != nil && plainPython != nil) || inCI, "needs both Pythons (Scripts/test.sh)"))
    func errors() throws {
        let py = try Self.python()
        let plain = try #require(Self.plainPython, "WEIGHTKIT_PYTHON unset")
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", Self.classifier, "-o", dir + "/cls.wkc", "--model", "bert").status == 0)
        let missing = try CLI.run(
            "verify", dir + "/cls.wkc", "--against", Self.classifier, "--framework", "hf", "--python", plain)
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(
            missing.stderr.contains("needs the Python package 'torch'")
                && missing.stderr.contains("pip install './python[torch]'") && !missing.stderr.contains("Traceback"),
            "\(missing.stderr)")
        let unloadable = try CLI.run(
            "verify", dir + "/cls.wkc", "--against", CLI.fixture("keras"), "--framework", "hf", "--python", py)
        #expect(unloadable.status == 2, "\(unloadable.stderr)")
        #expect(
            unloadable.stderr.contains("does not load with transformers")
                && unloadable.stderr.contains("Unrecognized model") && !unloadable.stderr.contains("Traceback"),
            "\(unloadable.stderr)")
        let other = try CLI.run(
            "verify", dir + "/cls.wkc", "--against", CLI.fixture("bert_family/roberta_cls_pt"), "--framework", "hf",
            "--python", py)
        #expect(
            other.status == 2 && other.stderr.contains("roberta") && other.stderr.contains("bert"), "\(other.stderr)")
    }

    @Test(
        "verify --setup torch makes the environment once (pinned CPU torch) and --framework then runs in it with no --python",
        .enabled(if: torchPython != nil || inCI, "runs where Scripts/test.sh made the torch environment"))
    func setupThenRun() throws {
        let setup = try CLI.run(["verify", "--setup", "torch"], environment: ["WEIGHTKIT_PYTHON": ""])
        #expect(
            setup.status == 0 && setup.stdout.contains("ready: ") && setup.stdout.contains("verify-torch"),
            "\(setup.stderr)")
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", Self.classifier, "-o", dir + "/cls.wkc", "--model", "bert").status == 0)
        let r = try CLI.run(
            ["verify", dir + "/cls.wkc", "--against", Self.classifier, "--framework", "hf"],
            environment: ["WEIGHTKIT_PYTHON": ""])
        #expect(r.status == 0 && r.stdout.contains("run by torch 2.13.0+cpu"), "\(r.stdout)\(r.stderr)")
    }

    @Test("no Python anywhere: says --setup; a failed --setup keeps nothing half-made")
    func setupFailure() throws {
        let cache = try CLI.scratch()
        let none = try CLI.run(
            ["verify", "x.wkc", "--against", Self.classifier, "--framework", "hf"],
            environment: ["WEIGHTKIT_PYTHON": "", "WEIGHTKIT_CACHE": cache])
        #expect(none.status == 2 && none.stderr.contains("weightkit verify --setup torch"), "\(none.stderr)")
        // pip with no index at all: the install fails; the environment is removed, never marked complete.
        let failed = try CLI.run(
            ["verify", "--setup", "keras"],
            environment: ["WEIGHTKIT_CACHE": cache, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_NO_CACHE_DIR": "1"])
        #expect(failed.status == 2 && failed.stderr.contains("nothing was kept"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: cache + "/verify-keras"))
        let usage = try CLI.run("verify", "--setup", "cuda")
        #expect(
            usage.status != 0 && usage.stderr.contains("one of torch, sentence-transformers, tensorflow, keras, tfhub"))
    }
}

/// The TensorFlow and Keras paths of the producer, in the pinned environment of
/// Fixtures/requirements-keras.txt (Scripts/test.sh names it WEIGHTKIT_KERAS_PYTHON; CI makes it).
@Suite("CLI: verify --against SOURCE --framework hf-tf | keras")
struct VerifyFrameworkKerasCLITests {
    static let kerasPython = ProcessInfo.processInfo.environment["WEIGHTKIT_KERAS_PYTHON"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    static func python() throws -> String {
        try #require(Self.kerasPython, "WEIGHTKIT_KERAS_PYTHON unset: Scripts/test.sh makes the Keras environment")
    }

    @Test(
        "transformers TF (tf_model.h5) → --layout hf: PASS on every layer; an altered weight caught at hidden_states.2",
        .enabled(if: kerasPython != nil || inCI, "set WEIGHTKIT_KERAS_PYTHON (Scripts/test.sh does)"))
    func transformersTF() throws {
        let py = try Self.python()
        let source = CLI.fixture("keras/hf_bert")
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", source, "-o", dir + "/hf", "--layout", "hf").status == 0)
        let ok = try CLI.run(
            "verify", dir + "/hf", "--against", source, "--framework", "hf-tf", "--python", py, "--batch", "2x12",
            "--keep-reference", dir + "/ref.safetensors")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("run by tensorflow ") && ok.stdout.contains("hidden_states.2    ok"), "\(ok.stdout)")
        try VerifyAgainstCLITests.expectAlteredCaught(
            dir + "/hf/model.safetensors", tensor: "encoder.layer.1.output.dense.weight",
            reference: dir + "/ref.safetensors",
            divergence: "hidden_states.2", extra: ["--config", dir + "/hf/config.json"])
    }

    @Test(
        "Keras 3 .keras text classifier (custom layers from --definition) → graph-ready .wkc: PASS on every intermediate",
        .enabled(if: kerasPython != nil || inCI, "set WEIGHTKIT_KERAS_PYTHON (Scripts/test.sh does)"))
    func keras3() throws {
        let py = try Self.python()
        let source = CLI.fixture("keras/textclf_k3.keras")
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", source, "-o", dir + "/clf.wkc", "--model", "text-classifier").status == 0)
        let ok = try CLI.run(
            "verify", dir + "/clf.wkc", "--against", source, "--framework", "keras", "--python", py, "--batch", "3x1",
            "--definition", CLI.fixture("references/textclf_definition.py"))
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(
            ok.stdout.contains("run by keras ") && ok.stdout.contains("transformer_block")
                && ok.stdout.contains("probabilities"), "\(ok.stdout)")
        // A weight of the transformer block moved: the embedding still agrees, the block is named.
        let kept = try CLI.run(
            "verify", dir + "/clf.wkc", "--against", source, "--framework", "keras", "--python", py, "--batch", "3x1",
            "--definition", CLI.fixture("references/textclf_definition.py"), "--keep-reference",
            dir + "/ref.safetensors")
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(try CLI.run("convert", source, "-o", dir + "/clf.safetensors").status == 0)
        try VerifyAgainstCLITests.expectAlteredCaught(
            dir + "/clf.safetensors", tensor: "layers/transformer_block/att/value_dense/vars/0",
            reference: dir + "/ref.safetensors",
            divergence: "transformer_block", extra: ["--model", "text-classifier"])
        let noDefinition = try CLI.run(
            "verify", dir + "/clf.wkc", "--against", source, "--framework", "keras", "--python", py)
        #expect(noDefinition.status == 2 && noDefinition.stderr.contains("--definition"), "\(noDefinition.stderr)")
    }
}

/// The producer's TF-Hub path, in the pinned environment of Fixtures/requirements-tensorflow.txt
/// (Scripts/test.sh names it WEIGHTKIT_TF_PYTHON; CI makes it).
@Suite("CLI: verify --against SAVEDMODEL --framework tfhub")
struct VerifyFrameworkHubCLITests {
    static let tfPython = ProcessInfo.processInfo.environment["WEIGHTKIT_TF_PYTHON"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(
        "TF-Hub encoder through hub.KerasLayer: graph-ready .wkc PASS on random ids and on text through its preprocessor; an altered weight caught",
        .enabled(if: tfPython != nil || inCI, "set WEIGHTKIT_TF_PYTHON (Scripts/test.sh does)"))
    func hubEncoder() throws {
        let py = try #require(
            Self.tfPython, "WEIGHTKIT_TF_PYTHON unset: Scripts/test.sh makes the TensorFlow environment")
        let encoder = CLI.fixture("tensorflow/hub_encoder")
        let dir = try CLI.scratch()
        #expect(try CLI.run("convert", encoder, "-o", dir + "/hub.wkc", "--model", "bert").status == 0)
        let ids = try CLI.run(
            "verify", dir + "/hub.wkc", "--against", encoder, "--framework", "tfhub", "--python", py, "--batch", "3x16",
            "--keep-reference", dir + "/ref.safetensors")
        #expect(ids.status == 0 && ids.stdout.contains("run by tensorflow "), "\(ids.stdout)\(ids.stderr)")
        #expect(ids.stdout.contains("hidden_states.2    ok") && ids.stdout.contains("pooler_output"), "\(ids.stdout)")
        let text = try CLI.run(
            "verify", dir + "/hub.wkc", "--against", encoder, "--framework", "tfhub", "--python", py, "--preprocess",
            CLI.fixture("tensorflow/hub_preprocess"), "--text", "Straße… CAFÉ? Über naïve, don’t", "--text",
            "I love transformers.")
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(try CLI.run("convert", encoder, "-o", dir + "/hf", "--layout", "hf").status == 0)
        try VerifyAgainstCLITests.expectAlteredCaught(
            dir + "/hf/model.safetensors", tensor: "encoder.layer.1.output.dense.weight",
            reference: dir + "/ref.safetensors",
            divergence: "hidden_states.2", extra: ["--config", dir + "/hf/config.json"])
    }
}
