import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport

/// The notebook's classifier on raw strings, end to end (Fixtures/keras/generate_vectorizer.py):
/// Keras 3 and tf_keras `.keras`, the tf_keras SavedModel (vocabulary held as graph constants) and
/// a legacy `.h5` whose vectorizer was given its vocabulary in the constructor.
@Suite("CLI: the text classifier from text")
struct TextClassifierCLITests {
    @Test(
        "run on the reference's sentences: Keras' ids and Keras' probabilities within 1e-5",
        arguments: [
            ("textclf_vec_k3.keras", "textclf_vec_k3"), ("textclf_vec_k2.keras", "textclf_vec_k2"),
            ("textclf_vec_k2_savedmodel", "textclf_vec_k2"), ("textclf_vec_k2_vocab.h5", "textclf_vec_k2_vocab"),
        ])
    func runFromText(_ c: (String, String)) throws {
        let bundle = try SafetensorsReader.open(CLI.fixture("keras/vectorizer/\(c.1).reference.safetensors"))
        let texts = try #require(try JSONParser.parse(Array(bundle.metadata["input.text"]!.utf8)).arrayValue)
            .compactMap(\.stringValue)
        let labels = try #require(bundle.metadata["labels"])
        let r = try CLI.run(
            ["run", CLI.fixture("keras/vectorizer/" + c.0), "--json", "--labels", labels]
                + texts.flatMap { ["--text", $0] })
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONParser.parse(Array(r.stdout.utf8)).arrayValue)
        let ids = try bundle.tensor(named: "input.token_ids")
        let wantIds = withExtendedLifetime(ids) {
            (0..<ids.elementCount).map { Int(ids.bytes.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
        }
        let want = try bundle.tensor(named: "output.probabilities").float32Array()
        let classes = want.count / texts.count
        var worst: Float = 0
        for (i, row) in rows.enumerated() {
            let got = row["token_ids"]?.arrayValue?.compactMap { $0.intValue } ?? []
            #expect(got == Array(wantIds[(i * 64)..<((i + 1) * 64)]), "\(c.0) row \(i) ids")
            let p = row["probabilities"]?.arrayValue?.compactMap { $0.doubleValue } ?? []
            for (j, v) in p.enumerated() { worst = max(worst, abs(Float(v) - want[i * classes + j])) }
            #expect(row["label"]?.stringValue != nil)
        }
        #expect(rows.count == texts.count && worst <= 1e-5, "\(c.0): max abs error \(worst)")
    }

    @Test(
        "verify --from-text: the model's own vectorizer gives the bundle's ids, and every stage is within 1e-5",
        arguments: [
            ("textclf_vec_k3.keras", "textclf_vec_k3"), ("textclf_vec_k2.keras", "textclf_vec_k2"),
            ("textclf_vec_k2_savedmodel", "textclf_vec_k2"), ("textclf_vec_k2_vocab.h5", "textclf_vec_k2_vocab"),
        ])
    func verifyFromText(_ c: (String, String)) throws {
        let r = try CLI.run(
            "verify", CLI.fixture("keras/vectorizer/" + c.0), "--reference",
            CLI.fixture("keras/vectorizer/\(c.1).reference.safetensors"), "--from-text")
        #expect(r.status == 0 && r.stdout.contains("ids equal the bundle's"), "\(c.0): \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("transformer_block") && r.stdout.contains("probabilities"))
    }

    @Test("a graph-ready .wkc carries the vectorizer: run, tokenize and verify from text on the .wkc alone")
    func graphReadyCarriesVectorizer() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let wkc = dir + "/tc.wkc"
        let c = try CLI.run(
            "convert", CLI.fixture("keras/vectorizer/textclf_vec_k2_savedmodel"), "-o", wkc, "--model",
            "text-classifier")
        #expect(c.status == 0, "\(c.stderr)")
        let v = try CLI.run(
            "verify", wkc, "--reference", CLI.fixture("keras/vectorizer/textclf_vec_k2.reference.safetensors"),
            "--from-text")
        #expect(v.status == 0 && v.stdout.contains("ids equal the bundle's"), "\(v.stdout)\(v.stderr)")
        let i = try CLI.run("inspect", wkc, "--json")
        let j = try JSONParser.parse(Array(i.stdout.utf8))
        #expect(j["text_vectorization"]?["vocabulary_size"]?.intValue == 180)
        try "CAFÉ café cafe\u{301}\n".write(toFile: dir + "/t.txt", atomically: true, encoding: .utf8)
        let t = try CLI.run("tokenize", dir + "/t.txt", "--model", wkc)
        #expect(t.stdout.hasPrefix("1 46 59 0"), "\(t.stdout)")  // cafÉ is unknown; NFC and NFD are two tokens
    }

    @Test("a wrong --labels count is refused; the BERT-only options say what they need")
    func errors() throws {
        let r = try CLI.run(
            "run", CLI.fixture("keras/vectorizer/textclf_vec_k3.keras"), "--text", "x", "--labels", "a,b")
        #expect(r.status == 2 && r.stderr.contains("--labels names 2 classes; the model has 4"), "\(r.stderr)")
    }
}
