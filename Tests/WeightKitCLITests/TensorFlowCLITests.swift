import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// The TensorFlow paths end to end through the executable: a TF-Hub encoder SavedModel with its
/// preprocessor, a Google BERT release directory (Fixtures/tensorflow/generate_bert.py).
@Suite("CLI: TensorFlow checkpoints and SavedModels")
struct TensorFlowCLITests {
    static let encoder = CLI.fixture("tensorflow/hub_encoder")
    static let preprocess = CLI.fixture("tensorflow/hub_preprocess")
    static let textBundle = CLI.fixture("tensorflow/hub_encoder_text.reference.safetensors")

    @Test("verify from text through the preprocessor: the ids equal TensorFlow's and every output is within 1e-5")
    func verifyFromText() throws {
        let r = try CLI.run(
            "verify", Self.encoder, "--reference", Self.textBundle, "--preprocess", Self.preprocess, "--from-text")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ids equal the bundle's") && r.stdout.contains("CaseFoldUTF8"))
        // The encoder's own vocabulary and do_lower_case, tokenised as transformers does, is another
        // tokenisation: the row with ß and … differs, and verify says so.
        let plain = try CLI.run("verify", Self.encoder, "--reference", Self.textBundle, "--from-text")
        #expect(
            plain.status == 1 && plain.stdout.contains("ids differ from the bundle's in rows [2]"), "\(plain.stdout)")
        for dir in ["google_bert", "tf2_encoder", "tf2_pretrainer", "hub_encoder"] {
            let ids = try CLI.run(
                "verify", CLI.fixture("tensorflow/" + dir), "--reference",
                CLI.fixture("tensorflow/hub_encoder.reference.safetensors"))
            #expect(ids.status == 0, "\(dir): \(ids.stdout)\(ids.stderr)")
        }
    }

    @Test("run with --preprocess prints TF-Hub's output names, with the values TensorFlow computed")
    func runPreprocessed() throws {
        let r = try CLI.run(
            "run", Self.encoder, "--preprocess", Self.preprocess, "--text", "Straße… CAFÉ? Über naïve, don’t",
            "--output", "pooled_output", "--output", "encoder_outputs.1", "--output", "default", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let j = try JSONParser.parse(Array(r.stdout.utf8))
        let row = try #require(j.arrayValue?.first)
        #expect(row["tokens"]?.intValue == 14)
        let pooledValues = row["pooled_output"]?.arrayValue?.compactMap { $0.doubleValue }
        let pooled = try #require(pooledValues)
        #expect(pooled == row["default"]?.arrayValue?.compactMap { $0.doubleValue })
        let bundle = try SafetensorsReader.open(Self.textBundle)
        let want = try bundle.tensor(named: "output.pooled_output").float32Array()
        for (i, v) in pooled.enumerated() { #expect(abs(Float(v) - want[2 * 32 + i]) < 1e-5, "\(i)") }
    }

    @Test(
        "a Google BERT directory and a TF-Hub SavedModel become Hugging Face directories: config with the tanh GELU, vocab and casing"
    )
    func huggingFaceLayout() throws {
        for (source, reference, lowercaseWhy) in [
            ("google_bert", "hub_encoder", "BERT's default"), ("hub_encoder", "hub_encoder", "do_lower_case variable"),
            ("google_bert_classifier", "google_bert_classifier", "BERT's default"),
        ] {
            let out = try CLI.scratch() + "/hf"
            let r = try CLI.run("convert", CLI.fixture("tensorflow/" + source), "-o", out, "--layout", "hf")
            #expect(
                r.status == 0 && r.stdout.contains("tokenizer: vocab.txt, tokenizer_config.json"),
                "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains(lowercaseWhy), "\(r.stdout)")
            let config = try FileSystem.readJSON(out + "/config.json")
            #expect(config["hidden_act"]?.stringValue == "gelu_new", "\(source)")
            #expect(try FileSystem.readJSON(out + "/tokenizer_config.json")["do_lower_case"]?.boolValue == true)
            let vocab = try String(contentsOfFile: out + "/vocab.txt", encoding: .utf8)
            #expect(vocab.hasPrefix("[PAD]\n[UNK]\n[CLS]"))
            // The directory reads back and reproduces what TensorFlow computed (transformers itself:
            // Fixtures/references/check_hf_layout.py, run for the closing note).
            let v = try CLI.run(
                "verify", out, "--reference", CLI.fixture("tensorflow/\(reference).reference.safetensors"))
            #expect(v.status == 0, "\(source): \(v.stdout)")
        }
    }

    @Test("map reports Google BERT's tanh GELU, and a preprocessor that is not one is refused by name")
    func googleBertAndErrors() throws {
        let m = try CLI.run("map", CLI.fixture("tensorflow/google_bert"))
        #expect(m.status == 0 && m.stdout.contains("note: hidden_act: bert_config.json says \"gelu\""), "\(m.stdout)")
        let bad = try CLI.run("run", Self.encoder, "--preprocess", Self.encoder, "--text", "x")
        #expect(bad.status == 2 && bad.stderr.contains("not a BERT preprocess SavedModel"), "\(bad.stderr)")
    }
}
