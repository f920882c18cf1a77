import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
@testable import WeightKitTokenizer

@Suite("tokenizer files: tokenizer.json, tokenizer_config.json, special tokens")
struct TokenizerFilesTests {
    static let variants = try! FileSystem.readJSON(TestFixtures.path("tokenizer/variants.json"))

    func mismatches(_ tokenizer: WordPieceTokenizer, _ variant: String) throws -> [String] {
        let lines = try #require(Self.variants["lines"]?.arrayValue).compactMap(\.stringValue)
        let expected = try #require(Self.variants[variant]?.arrayValue)
        #expect(lines.count == expected.count && lines.count >= 500)
        var bad: [String] = []
        for (text, ids) in zip(lines, expected) {
            let want = try #require(ids.arrayValue).compactMap(\.intValue)
            let got = tokenizer.encode(text)
            if got != want { bad.append("\(text.debugDescription): got \(got.prefix(16)) want \(want.prefix(16))") }
        }
        return bad
    }

    @Test(
        "tokenizer.json saved by transformers gives Hugging Face's ids (cased; uncased keeping accents without CJK splitting)",
        arguments: ["cased", "uncased_accents"])
    func tokenizerJSON(_ variant: String) throws {
        let files = try TokenizerFiles.load(directory: TestFixtures.path("tokenizer/" + variant))
        #expect(files.sources.first?.hasSuffix("tokenizer.json (vocabulary, normaliser, special tokens)") == true)
        #expect(files.tokenizer.lowercase == (variant == "uncased_accents"))
        #expect(files.tokenizer.options.tokenizeChineseChars == (variant == "cased"))
        let bad = try mismatches(files.tokenizer, variant)
        #expect(bad.isEmpty, "\(bad.count) lines differ; first: \(bad.prefix(3))")
    }

    @Test(
        "without tokenizer.json, vocab.txt and tokenizer_config.json give the same ids",
        arguments: ["cased", "uncased_accents"])
    func tokenizerConfig(_ variant: String) throws {
        let dir = try TestFixtures.scratchDirectory("tokconfig")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(
                atPath: TestFixtures.path("tokenizer/\(variant)/\(f)"), toPath: dir + "/" + f)
        }
        let files = try TokenizerFiles.load(directory: dir)
        #expect(files.sources.first?.hasSuffix("vocab.txt (vocabulary)") == true)
        let bad = try mismatches(files.tokenizer, variant)
        #expect(bad.isEmpty, "\(bad.count) lines differ; first: \(bad.prefix(3))")
        // And the casing really comes from the config: the other casing disagrees somewhere.
        var flipped = files.tokenizer.options
        flipped.lowercase.toggle()
        flipped.stripAccents = nil
        #expect(
            try !mismatches(try WordPieceTokenizer(vocab: files.tokenizer.vocab, options: flipped), variant).isEmpty)
    }

    @Test("special tokens in the text stay whole; a lower-case [mask] is ordinary text")
    func specials() throws {
        let t = try TokenizerFiles.load(directory: TestFixtures.path("tokenizer/uncased_accents")).tokenizer
        #expect(t.tokenize("a[MASK]b") == ["a", "[MASK]", "b"])
        #expect(t.tokenize("[mask]") == ["[", "mask", "]"])
    }

    static let minilm = ProcessInfo.processInfo.environment["WEIGHTKIT_MINILM"]
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil

    @Test(
        "the real all-MiniLM-L6-v2 tokenizer.json gives the corpus' ids on all 2,200 lines, and its max_seq_length",
        .enabled(if: minilm != nil || inCI, "set WEIGHTKIT_MINILM (Scripts/test.sh fetches the model) to run"))
    func realTokenizerJSON() throws {
        let dir = try #require(Self.minilm, "WEIGHTKIT_MINILM must be set in CI")
        let files = try TokenizerFiles.load(directory: dir)
        #expect(files.maxLength == 256)
        let corpus = try FileSystem.readJSON(TestFixtures.path("tokenizer/corpus.json"))
        var bad = 0
        for l in try #require(corpus["lines"]?.arrayValue) {
            if files.tokenizer.encode(try #require(l["text"]?.stringValue))
                != (try #require(l["ids"]?.arrayValue)).compactMap(\.intValue)
            {
                bad += 1
            }
        }
        #expect(bad == 0)
    }

    @Test("a tokenizer.json that is not WordPiece is refused with its model type")
    func notWordPiece() throws {
        let dir = try TestFixtures.scratchDirectory("bpe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(#"{"model": {"type": "BPE", "vocab": {}}}"#.utf8).write(
            to: URL(fileURLWithPath: dir + "/tokenizer.json"))
        #expect { try TokenizerFiles.load(directory: dir) } throws: {
            "\($0)".contains("BPE, not WordPiece") && "\($0)".contains(dir)
        }
    }
}
