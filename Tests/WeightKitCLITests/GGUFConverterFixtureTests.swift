import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// GGUFs that llama.cpp's own `convert_hf_to_gguf.py` wrote from the tiny transformers fixtures
/// (`Fixtures/gguf/generate_llama.sh`), read by WeightKit: checked, mapped by their llama.cpp
/// names, the tokenizer from their own `tokenizer.ggml.*`, verified against the outputs
/// transformers computed for the models they came from.
@Suite("CLI: GGUFs llama.cpp's converter wrote")
struct GGUFConverterFixtureTests {
    static func fixture(_ name: String) -> String { CLI.fixture("gguf/hf-converter.\(name).gguf") }

    @Test(
        "each is a valid GGUF that maps onto its graph by llama.cpp's names",
        arguments: [
            ("bert_cls.f32", "bert"), ("distilbert_cls.f32", "distilbert"), ("distilbert_cls.q8_0", "distilbert"),
            ("roberta_bpe_cls.f32", "roberta"),
        ])
    func checkedAndMapped(name: String, model: String) throws {
        let path = Self.fixture(name)
        let c = try CLI.run("check", path)
        #expect(c.status == 0 && c.stdout.hasPrefix("OK"), "\(c.stdout)\(c.stderr)")
        let m = try CLI.run("map", path)
        #expect(m.status == 0, "\(m.stdout)\(m.stderr)")
        #expect(m.stdout.contains("model: \(model)") && m.stdout.contains("convention: gguf"), "\(m.stdout)")
    }

    @Test(
        "DistilBERT and RoBERTa from text, tokenised by the GGUF's own vocabulary (and merges): transformers' outputs within 1e-5",
        arguments: [
            ("distilbert_cls.f32", "bert_family/distilbert_cls_pt.text.reference.safetensors"),
            ("roberta_bpe_cls.f32", "bert_family/roberta_bpe_cls_pt.text.reference.safetensors"),
        ])
    func verifiedFromText(name: String, reference: String) throws {
        let v = try CLI.run("verify", Self.fixture(name), "--reference", CLI.fixture(reference), "--from-text")
        #expect(v.status == 0 && v.stdout.contains("PASS"), "\(v.stdout)\(v.stderr)")
        #expect(v.stdout.contains("logits") && v.stdout.contains("last_hidden_state"), "\(v.stdout)")
    }

    @Test("the converter's q8_0: its drift is q8_0's, and its bytes are WeightKit's --keep-f16 none")
    func q8() throws {
        let path = Self.fixture("distilbert_cls.q8_0")
        let ref = CLI.fixture("bert_family/distilbert_cls_pt.reference.safetensors")
        let strict = try CLI.run("verify", path, "--reference", ref)
        #expect(strict.status == 1, "\(strict.stdout)")
        let cosine = try GGUFCLITests.cosine(path, ref, output: "last_hidden_state")
        #expect(cosine > 0.998 && cosine < 0.99999, "\(cosine)")
        // The same tensors, types and bytes as WeightKit's own q8_0 with every matrix quantised: each
        // tensor's stored bytes compared through `inspect --json`'s offsets.
        let ours = try CLI.scratch() + "/ours.gguf"
        let w = try CLI.run(
            "convert", CLI.fixture("bert_family/distilbert_cls_pt"), "-o", ours, "--dtype", "q8_0", "--keep-f16",
            "none")
        #expect(w.status == 0, "\(w.stderr)")
        let (a, b) = (try Self.storedTensors(path), try Self.storedTensors(ours))
        #expect(a.count == 40 && Set(a.keys) == Set(b.keys))
        // The 32-wide matrices Q8_0; ffn_down's 37-wide rows fall back to F16 (both converters).
        #expect(a.filter { $0.value.type == "Q8_0" }.count == 13 && a.filter { $0.value.type == "F16" }.count == 2)
        for (name, t) in a {
            #expect(b[name]?.type == t.type && b[name]?.bytes == t.bytes, "\(name)")
        }
    }

    @Test(
        "BERT's classifier without its pooler (the converter drops it): the encoder verifies, logits are refused with the reason"
    )
    func bertWithoutPooler() throws {
        let path = Self.fixture("bert_cls.f32")
        let m = try CLI.run("map", path)
        #expect(m.stdout.contains("a classification head without the pooler it reads"), "\(m.stdout)")
        let v = try CLI.run(
            "verify", path, "--reference", CLI.fixture("references/tiny_bert_cls_pt.reference.safetensors"))
        #expect(v.status == 1)
        #expect(v.stdout.contains("last_hidden_state  ok"), "\(v.stdout)")
        #expect(
            v.stdout.contains("cannot produce: logits")
                && v.stdout.contains("convert_hf_to_gguf.py drops BERT's pooler"), "\(v.stdout)")
        // WeightKit's own GGUF of the same model keeps the pooler as cls, and verifies whole.
        let dir = try Self.tinyBertClassifier()
        let ours = dir + "/ours.gguf"
        #expect(try CLI.run("convert", dir, "-o", ours).status == 0)
        let whole = try CLI.run(
            "verify", ours, "--reference", CLI.fixture("references/tiny_bert_cls_pt.reference.safetensors"))
        #expect(whole.status == 0 && whole.stdout.contains("logits "), "\(whole.stdout)")
    }

    @Test(
        "WeightKit's GGUF of the same model: the converter's tensors byte for byte, the key differences all known",
        arguments: [
            ("bert_cls.f32", "references/tiny_bert_cls_pt"), ("distilbert_cls.f32", "bert_family/distilbert_cls_pt"),
            ("roberta_bpe_cls.f32", "bert_family/roberta_bpe_cls_pt"),
        ])
    func sameAsWeightKit(name: String, source: String) throws {
        var src = CLI.fixture(source)
        if name == "bert_cls.f32" { src = try Self.tinyBertClassifier() }
        let ours = try CLI.scratch() + "/ours.gguf"
        #expect(try CLI.run("convert", src, "-o", ours).status == 0)
        let (a, b) = (try Self.storedTensors(Self.fixture(name)), try Self.storedTensors(ours))
        for (n, t) in a { #expect(b[n]?.type == t.type && b[n]?.bytes == t.bytes, "\(n)") }
        // The converter drops BERT's pooler; WeightKit keeps it as cls.
        let extra = Set(b.keys).subtracting(a.keys)
        #expect(extra == (name == "bert_cls.f32" ? ["cls.weight", "cls.bias"] : []), "\(extra)")
        let (ka, kb) = (try Self.keys(Self.fixture(name)), try Self.keys(ours))
        // The converter's model-card keys and tokenizer-hash name (WordPiece: llama.cpp ignores it);
        // WeightKit's pooling (rank for these classifiers, but DistilBERT's: mean — the converter
        // writes one only from sentence-transformers' config), cls id, and its own two keys.
        let onlyConverter: Set<String> =
            name == "roberta_bpe_cls.f32"
            ? ["general.size_label", "general.type"] : ["general.size_label", "general.type", "tokenizer.ggml.pre"]
        #expect(Set(ka.keys).subtracting(kb.keys) == onlyConverter)
        #expect(
            Set(kb.keys).subtracting(ka.keys) == [
                "bert.pooling_type", "tokenizer.ggml.cls_token_id", "weightkit.hidden_act", "weightkit.model_type",
            ])
        // general.name: the directory's name there title-cased, here as it is.
        let differing = ka.keys.filter { kb[$0] != nil && kb[$0] != ka[$0] }
        #expect(differing == ["general.name"], "\(differing.map { "\($0): \(ka[$0]!) vs \(kb[$0]!)" })")
    }

    /// The tiny BERT classifier as the generator gave it to the converter: the model with
    /// DistilBERT's vocab.txt (the same 99 tokens), in a scratch directory.
    static func tinyBertClassifier() throws -> String {
        let dir = try CLI.scratch()
        for f in [
            "references/tiny_bert_cls_pt/config.json", "references/tiny_bert_cls_pt/model.safetensors",
            "bert_family/distilbert_cls_pt/vocab.txt",
        ] {
            try FileManager.default.copyItem(
                atPath: CLI.fixture(f), toPath: dir + "/" + FileSystem.lastComponent(of: f))
        }
        return dir
    }

    /// A GGUF's keys and their values as `inspect --json` shows them (arrays summarised).
    static func keys(_ path: String) throws -> [String: String] {
        let j = try JSONParser.parse(Array(try CLI.run("inspect", path, "--json").stdout.utf8))
        var out: [String: String] = [:]
        for (k, v) in j["metadata"]?.objectValue?.entries ?? [] where k.hasPrefix("gguf.") && k != "gguf.version" {
            out[String(k.dropFirst(5))] = v.stringValue ?? ""
        }
        return out
    }

    /// Every tensor of a GGUF: its stored type and bytes, located by `inspect --json`.
    static func storedTensors(_ path: String) throws -> [String: (type: String, bytes: Data)] {
        let j = try JSONParser.parse(Array(try CLI.run("inspect", path, "--json").stdout.utf8))
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var out: [String: (type: String, bytes: Data)] = [:]
        for t in j["tensors"]?.arrayValue ?? [] {
            let name = try #require(t["name"]?.stringValue)
            let offset = try #require(t["offset"]?.intValue), size = try #require(t["bytes"]?.intValue)
            out[name] = (t["stored_as"]?.stringValue ?? t["dtype"]?.stringValue ?? "", data[offset..<offset + size])
        }
        return out
    }
}
