import Foundation
import Testing
import WeightKitTestSupport
import WeightKitCheckpoints

/// Runs the built `weightkit` executable as a user would and checks output and exit codes.
enum CLI {
    static let root = TestFixtures.root

    /// The executable built next to the test bundle.
    static let executable: String = {
        var dir = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        for _ in 0..<4 {
            let candidate = dir + "/weightkit"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = (dir as NSString).deletingLastPathComponent
        }
        for candidate in [root + "/.build/debug/weightkit", root + "/.build/release/weightkit"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        fatalError("weightkit executable not found next to \(CommandLine.arguments[0]); run `swift build` first")
    }()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: String...) throws -> Result { try run(args) }

    /// `environment`: variables added to this process's for the child only.
    static func run(_ args: [String], environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    static func fixture(_ rel: String) -> String { root + "/Fixtures/" + rel }

    static func scratch() throws -> String { try TestFixtures.scratchDirectory("cli") }
}

@Suite("weightkit command line")
struct CLITests {
    @Test("inspect prints the table and summary")
    func inspectText() throws {
        let r = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("format: safetensors"))
        #expect(r.stdout.contains("embeddings.word_embeddings.weight"))
        #expect(r.stdout.contains("19 tensors"))
        #expect(r.stdout.contains("metadata: format=pt"))
    }

    @Test("inspect --json carries the documented keys, --stats adds stats")
    func inspectJSON() throws {
        let r = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--json", "--stats")
        #expect(r.status == 0, "\(r.stderr)")
        let v = try JSONParser.parse(r.stdout)
        #expect(v["format"]?.stringValue == "safetensors")
        #expect(v["total_parameters"]?.intValue != nil)
        #expect(v["total_bytes"]?.intValue != nil)
        #expect(v["metadata"]?["format"]?.stringValue == "pt")
        let t = try #require(v["tensors"]?.arrayValue?.first(where: { $0["name"]?.stringValue == "half.weight" }))
        #expect(t["dtype"]?.stringValue == "F16")
        #expect(t["shape"] == .array([.int(5)]))
        #expect(t["stats"]?["max"]?.doubleValue == 65504)
    }

    @Test("inspect --group collapses layers; --filter selects")
    func groupAndFilter() throws {
        let g = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--group")
        #expect(g.stdout.contains("encoder.layer.#.attention.self.query.weight"))
        let f = try CLI.run("inspect", CLI.fixture("safetensors/mixed.safetensors"), "--filter", "ints.*", "--json")
        let v = try JSONParser.parse(f.stdout)
        #expect(v["tensors"]?.arrayValue?.count == 7)
    }

    @Test("format is detected from content, not the extension")
    func detectsByContent() throws {
        let dir = try CLI.scratch()
        try FileManager.default.copyItem(
            atPath: CLI.fixture("safetensors/mixed.safetensors"), toPath: dir + "/weights.bin")
        let r = try CLI.run("inspect", dir + "/weights.bin", "--json")
        #expect(r.status == 0)
        #expect(try JSONParser.parse(r.stdout)["format"]?.stringValue == "safetensors")
    }

    @Test("convert → check → inspect of a .wkc, and corruption makes check exit 1")
    func convertAndCheck() throws {
        let dir = try CLI.scratch()
        let c = try CLI.run("convert", CLI.fixture("safetensors/mixed.safetensors"), "-o", dir + "/m.wkc")
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("wrote \(dir)/m.wkc: 19 tensors"))
        let ok = try CLI.run("check", dir + "/m.wkc")
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("OK "))
        let i = try CLI.run("inspect", dir + "/m.wkc")
        #expect(i.stdout.contains("format: wkc") && i.stdout.contains("provenance: from mixed.safetensors"))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/m.wkc"))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: dir + "/m.wkc"))
        let bad = try CLI.run("check", dir + "/m.wkc")
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("data checksum mismatch"))
    }

    @Test("malformed input: inspect exits 2 with the file and tensor named; check exits 1")
    func malformedExitCodes() throws {
        let path = CLI.fixture("safetensors/malformed/duplicate_tensor.safetensors")
        let i = try CLI.run("inspect", path)
        #expect(i.status == 2)
        #expect(i.stderr.contains(path) && i.stderr.contains("tensor 'a' is declared more than once"))
        let c = try CLI.run("check", path)
        #expect(c.status == 1)
        #expect(c.stdout.contains("FAILED"))
    }

    @Test(
        "bad usage and unreadable paths exit 2, never crash",
        arguments: [
            ["inspect"], ["inspect", "/nonexistent/file.safetensors"], ["convert", "x.safetensors", "-o", "y.txt"],
            ["frobnicate"],
            ["inspect", "/"], ["check", "/nonexistent"], ["convert", "/nonexistent.safetensors", "-o", "/tmp/x.wkc"],
        ])
    func usageErrors(_ args: [String]) throws {
        let r = try CLI.run(args)
        #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
        #expect(!r.stderr.isEmpty)
    }

    @Test("a conversion that fails leaves nothing at the destination and no temp file")
    func failedConversionLeavesNothing() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run("convert", CLI.fixture("safetensors/malformed/gap.safetensors"), "-o", dir + "/out.wkc")
        #expect(r.status == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }
}

@Suite("weightkit on Keras / Hugging Face HDF5 files")
struct CLIKerasTests {
    @Test("inspect shows each tensor's layer, role and position")
    func inspectKeras() throws {
        let r = try CLI.run("inspect", CLI.fixture("keras/textclf_k2_weights.h5"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("format: keras-legacy-h5"))
        #expect(r.stdout.contains("layer") && r.stdout.contains("role"))
        #expect(r.stdout.contains("transformer_block/dense/kernel:0"))
    }

    @Test("inspect --all adds the optimizer state of a full-model file")
    func inspectAll() throws {
        let plain = try JSONParser.parse(try CLI.run("inspect", CLI.fixture("keras/textclf_k2.h5"), "--json").stdout)
        let all = try JSONParser.parse(
            try CLI.run("inspect", CLI.fixture("keras/textclf_k2.h5"), "--json", "--all").stdout)
        #expect(plain["tensor_count"]?.intValue == 22)
        #expect(all["tensor_count"]?.intValue == 67)
    }

    @Test(
        "bad HDF5 input exits 2 with the file named and no HDF5 error stack on stderr",
        arguments: ["keras/truncated.h5", "keras/not_keras.h5", "keras/dangling_weight.h5"])
    func badInput(_ rel: String) throws {
        let r = try CLI.run("inspect", CLI.fixture(rel))
        #expect(r.status == 2)
        #expect(r.stderr.contains(CLI.fixture(rel)))
        #expect(!r.stderr.contains("HDF5-DIAG") && !r.stderr.contains("#000"), "\(r.stderr)")
    }

    @Test("check and convert: h5 → wkc keeps every tensor's bytes")
    func convertKeras() throws {
        let dir = try CLI.scratch()
        #expect(try CLI.run("check", CLI.fixture("keras/hf_bert/tf_model.h5")).status == 0)
        let c = try CLI.run("convert", CLI.fixture("keras/hf_bert/tf_model.h5"), "-o", dir + "/bert.wkc")
        #expect(c.status == 0, "\(c.stderr)")
        #expect(try CLI.run("check", dir + "/bert.wkc").status == 0)
        let a = try JSONParser.parse(
            try CLI.run("inspect", CLI.fixture("keras/hf_bert/tf_model.h5"), "--json", "--stats").stdout)
        let b = try JSONParser.parse(try CLI.run("inspect", dir + "/bert.wkc", "--json", "--stats").stdout)
        let sa = a["tensors"]?.arrayValue?.map { [$0["name"], $0["shape"], $0["stats"]] }
        let sb = b["tensors"]?.arrayValue?.map { [$0["name"], $0["shape"], $0["stats"]] }
        #expect(sa != nil && sa == sb)
        #expect(b["architecture"]?.stringValue == "bert", "config.json beside tf_model.h5 becomes the model section")
    }
}

@Suite("weightkit params")
struct CLIParamsTests {
    @Test("the BERT table lists every layer's parameters with canonical names and shapes")
    func bertTable() throws {
        let r = try CLI.run(
            "params", "bert", "--config", CLI.fixture("references/tiny_bert_cls_pt/config.json"), "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONParser.parse(r.stdout).arrayValue)
        #expect(rows.count == 5 + 2 * 16 + 4)
        let inter = try #require(rows.first { $0["name"]?.stringValue == "encoder.layer.1.intermediate.dense.weight" })
        #expect(inter["shape"] == .array([.int(37), .int(32)]))
        #expect(inter["linear_weight"] == .bool(true))
        #expect(rows.first { $0["name"]?.stringValue == "classifier.weight" }?["optional"] == .bool(true))
    }

    @Test("a config without the needed keys exits 2 naming the key")
    func badConfig() throws {
        let r = try CLI.run("params", "text-classifier", "--config", CLI.fixture("references/tiny_bert_pt/config.json"))
        #expect(r.status == 2)
        #expect(r.stderr.contains("embed_dim"))
    }
}

@Suite("weightkit map")
struct CLIMapTests {
    @Test("a clean mapping exits 0 and prints every parameter; --json carries the summary")
    func clean() throws {
        let r = try CLI.run("map", CLI.fixture("keras/hf_bert_cls/tf_model.h5"))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.contains("convention: hf-tensorflow") && r.stdout.contains("classifier.weight")
                && r.stdout.contains("PASS"))
        let j = try JSONParser.parse(try CLI.run("map", CLI.fixture("keras/kerashub_bert.weights.h5"), "--json").stdout)
        #expect(j["passed"] == .bool(true))
        #expect(j["summary"]?["mapped"]?.intValue == 39)
    }

    @Test("a checkpoint that is not BERT exits 1 with nothing recognised")
    func notBert() throws {
        let r = try CLI.run("map", CLI.fixture("keras/textclf_k3.weights.h5"), "--model", "bert")
        #expect(r.status == 1)
        #expect(r.stdout.contains("none recognised") && r.stdout.contains("FAIL"))
    }
}

@Suite("weightkit verify")
struct CLIVerifyTests {
    @Test("PASS exits 0 and writes the JSON report; a mismatch exits 1; a bad bundle exits 2")
    func exitCodes() throws {
        let dir = try CLI.scratch()
        let ok = try CLI.run(
            "verify", CLI.fixture("keras/hf_bert_cls"), "--reference",
            CLI.fixture("keras/hf_bert_cls.reference.safetensors"), "--json", dir + "/r.json")
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.hasSuffix("PASS\n"))
        let report = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))))
        #expect(report["passed"] == .bool(true))
        #expect(report["outputs"]?.arrayValue?.first?["name"]?.stringValue == "logits")
        let bad = try CLI.run(
            "verify", CLI.fixture("references/tiny_bert_pt/model.safetensors"),
            "--reference", CLI.fixture("references/tiny_bert_pt.reference.safetensors"), "--atol", "1e-9", "--rtol", "0"
        )
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("first divergence: hidden_states.0") && bad.stdout.hasSuffix("FAIL\n"))
        let notBundle = try CLI.run(
            "verify", CLI.fixture("references/tiny_bert_pt/model.safetensors"), "--reference",
            CLI.fixture("safetensors/mixed.safetensors"))
        #expect(notBundle.status == 2)
        #expect(notBundle.stderr.contains("not a reference bundle"))
    }
}

@Suite("weightkit run on the real all-MiniLM-L6-v2")
struct CLIRunTests {
    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]

    @Test(
        "text in, sentence embeddings out: equal to sentence-transformers' for the reference sentences",
        .enabled(
            if: minilm != nil || ProcessInfo.processInfo.environment["CI"] == "true",
            "set WEIGHTKIT_MINILM (Scripts/test.sh does)"))
    func textToEmbedding() throws {
        guard let dir = Self.minilm else { Issue.record("WEIGHTKIT_MINILM is not set"); return }
        let bundle = try SafetensorsReader.open(CLI.fixture("references/minilm.reference.safetensors"))
        let textJSON = try #require(bundle.metadata["input.text"])
        let sentences = (try JSONParser.parse(textJSON).arrayValue ?? []).compactMap(\.stringValue)
        #expect(sentences.count == 4)
        let r = try CLI.run(
            ["run", dir + "/model.safetensors", "--json", "--output", "sentence_embedding"]
                + sentences.flatMap { ["--text", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONParser.parse(r.stdout).arrayValue)
        let want = try bundle.tensor(named: "output.sentence_embedding").float32Array()
        let H = 384
        for (i, row) in rows.enumerated() {
            let got = try #require(row["sentence_embedding"]?.arrayValue).compactMap(\.doubleValue)
            #expect(got.count == H)
            let worst = zip(got, want[(i * H)..<((i + 1) * H)]).map { abs($0 - Double($1)) }.max() ?? 1
            #expect(worst < 1e-5, "sentence \(i): \(worst)")
        }
    }
}

@Suite("weightkit on PyTorch .bin / .pt files")
struct CLIPyTorchTests {
    @Test("a hostile pickle: inspect exits 2 naming the global, check exits 1 with the same problem; nothing runs")
    func hostile() throws {
        let f = CLI.fixture("pytorch/hostile_system.pt")
        let i = try CLI.run("inspect", f)
        #expect(i.status == 2 && i.stderr.contains(f) && i.stderr.contains("'posix.system'"), "\(i)")
        let c = try CLI.run("check", f)
        #expect(c.status == 1 && c.stdout.contains("FAILED") && c.stdout.contains("'posix.system'"), "\(c)")
    }

    @Test("verify a pytorch_model.bin directory against the PyTorch reference: PASS, exit 0")
    func verify() throws {
        let r = try CLI.run(
            "verify", CLI.fixture("pytorch/tiny_bert_cls_bin"), "--reference",
            CLI.fixture("references/tiny_bert_cls_pt.reference.safetensors"))
        #expect(r.status == 0 && r.stdout.contains("PASS"), "\(r)")
    }

    @Test("convert .bin → .safetensors keeps every tensor; check of the .bin verifies its CRCs")
    func convert() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = CLI.fixture("pytorch/tensors.pt")
        let c = try CLI.run("convert", src, "-o", dir + "/t.safetensors")
        #expect(c.status == 0, "\(c)")
        let d = try CLI.run("diff", src, dir + "/t.safetensors")
        #expect(d.status == 0 && d.stdout.contains("IDENTICAL"), "\(d)")
        let k = try CLI.run("check", src)
        #expect(k.status == 0 && k.stdout.contains("CRC-32 of all"), "\(k)")
    }
}

@Suite("graph-ready text classifier on the command line")
struct CLITextClassifierReadyTests {
    @Test("convert --model text-classifier, then verify the .wkc alone against the Keras reference: PASS")
    func convertAndVerify() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let c = try CLI.run(
            "convert", CLI.fixture("keras/textclf_k2.h5"), "-o", dir + "/tc.wkc", "--model", "text-classifier")
        #expect(c.status == 0 && c.stdout.contains("graph-ready text-classifier (keras-legacy-positional"), "\(c)")
        let v = try CLI.run(
            "verify", dir + "/tc.wkc", "--reference", CLI.fixture("keras/textclf_k2.reference.safetensors"))
        #expect(v.status == 0 && v.stdout.contains("PASS"), "\(v)")
    }
}

@Suite("usage errors")
struct CLIUsageTests {
    @Test("an output name no writer takes prints its message, never a raw CommandError")
    func unknownOutput() throws {
        let dir = try CLI.scratch()
        let r = try CLI.run(
            "convert", CLI.fixture("references/tiny_bert_pt/model.safetensors"), "-o", dir + "/model.onnx")
        #expect(r.status == 2)
        #expect(r.stderr.contains("model.onnx: cannot tell the output format from the name"), "\(r.stderr)")
        #expect(!r.stderr.contains("CommandError"))
    }

    @Test("--model takes only registered graphs; the parser lists them")
    func unknownGraph() throws {
        let r = try CLI.run("map", CLI.fixture("references/tiny_bert_pt/model.safetensors"), "--model", "gpt2")
        #expect(r.status == 2)
        #expect(r.stderr.contains("'bert', 'roberta', 'distilbert' or 'text-classifier'"), "\(r.stderr)")
    }
}

@Suite("weightkit run on RoBERTa and DistilBERT")
struct CLIRobertaRunTests {
    /// `run --text … --json` on a bert_family fixture: its token counts, and its 3-label logits
    /// within 1e-5 of the fixture's text reference bundle (transformers' outputs).
    static func expectTransformersLogits(_ fixture: String, _ texts: [String], tokens: [Int]) throws {
        let r = try CLI.run(
            ["run", CLI.fixture("bert_family/" + fixture)] + texts.flatMap { ["--text", $0] } + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONParser.parse(r.stdout).arrayValue)
        let bundle = try SafetensorsReader.open(
            CLI.fixture("bert_family/\(fixture).text.reference.safetensors"), loadConfig: false)
        let want = try bundle.tensor(named: "output.logits").float32Array()
        #expect(rows.map { $0["tokens"]?.intValue } == tokens)
        for (i, row) in rows.enumerated() {
            let got = try #require(row["logits"]?.arrayValue).compactMap(\.doubleValue)
            for j in 0..<3 { #expect(abs(got[j] - Double(want[i * 3 + j])) <= 1e-5, "row \(i) label \(j)") }
        }
    }

    @Test("run --text on DistilBERT tokenises with its own files and gives transformers' logits")
    func distilbertText() throws {
        try Self.expectTransformersLogits(
            "distilbert_cls_pt", ["I love transformers.", "the movie was boring", "weights move between frameworks!"],
            tokens: [8, 6, 9])
    }

    @Test("run --text on RoBERTa tokenises with its byte-level BPE and gives transformers' logits")
    func robertaText() throws {
        try Self.expectTransformersLogits(
            "roberta_bpe_cls_pt", ["I love transformers.", "the model's weights", "  Zürich, 2026-11-21: 東京 😀 don't!"],
            tokens: [10, 8, 17])
    }

    @Test("tokenize --vocab with RoBERTa's byte-level BPE: transformers' ids for every single-line corpus entry")
    func tokenizeBPE() throws {
        let corpus = try JSONParser.parse(
            try String(contentsOfFile: CLI.fixture("tokenizer/corpus.json"), encoding: .utf8))
        let ids = try JSONParser.parse(
            try String(contentsOfFile: CLI.fixture("tokenizer/bpe/corpus_ids.json"), encoding: .utf8))["ids"]!
            .arrayValue!
        let pairs = zip(corpus["lines"]!.arrayValue!.map { $0["text"]!.stringValue! }, ids).filter {
            !$0.0.contains("\n") && !$0.0.contains("\r")
        }
        #expect(pairs.count > 1900)
        let dir = try CLI.scratch()
        try pairs.map(\.0).joined(separator: "\n").appending("\n").write(
            toFile: dir + "/lines.txt", atomically: true, encoding: .utf8)
        for vocab in [CLI.fixture("tokenizer/bpe"), CLI.fixture("tokenizer/bpe/tokenizer.json")] {
            let r = try CLI.run("tokenize", "--vocab", vocab, dir + "/lines.txt")
            #expect(r.status == 0, "\(r.stderr)")
            let got = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map {
                $0.split(separator: " ").compactMap { Int($0) }
            }
            let want = pairs.map { $0.1.arrayValue!.compactMap(\.intValue) }
            #expect(got.count == want.count && zip(got, want).allSatisfy { $0 == $1 }, "\(vocab)")
        }
    }

    @Test("run on a RoBERTa without tokenizer files says which files it looked for")
    func needsTokenizerFiles() throws {
        let r = try CLI.run("run", CLI.fixture("bert_family/roberta_cls_pt"), "--text", "hello")
        #expect(r.status == 2)
        #expect(r.stderr.contains("no tokenizer.json, or vocab.json and merges.txt"), "\(r.stderr)")
    }
}
