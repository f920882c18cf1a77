import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
import WeightKitTokenizer

/// GPT-2 / RoBERTa byte-level BPE against transformers: a tokenizer trained by Hugging Face
/// `tokenizers` on the corpus (Fixtures/tokenizer/generate_bpe.py) and the ids transformers'
/// RobertaTokenizer (slow and fast agreeing) gives all 2,200 corpus lines — punctuation, accents,
/// CJK, emoji, digits, very long words, control characters, runs of spaces, empty lines.
@Suite("Byte-level BPE (RoBERTa) against transformers")
struct ByteLevelBPETests {
    static let dir = TestFixtures.path("tokenizer/bpe")

    static func corpus() throws -> (lines: [String], ids: [[Int]]) {
        let c = try FileSystem.readJSON(TestFixtures.path("tokenizer/corpus.json"), limit: 64 << 20)
        let lines = c["lines"]!.arrayValue!.map { $0["text"]!.stringValue! }
        let ids = try FileSystem.readJSON(dir + "/corpus_ids.json", limit: 64 << 20)["ids"]!.arrayValue!.map {
            $0.arrayValue!.map { $0.intValue! }
        }
        return (lines, ids)
    }

    @Test("every corpus line: the same ids as transformers, from tokenizer.json and from vocab.json + merges.txt")
    func corpusIds() throws {
        let (lines, expected) = try Self.corpus()
        #expect(lines.count == 2200 && expected.count == lines.count)
        let fromJSON = try ByteLevelBPETokenizer.load(tokenizerJSON: Self.dir + "/tokenizer.json")
        let dir = try TestFixtures.scratchDirectory("bpe")
        for f in ["vocab.json", "merges.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: Self.dir + "/" + f, toPath: dir + "/" + f)
        }
        let fromFiles = try ByteLevelBPETokenizer.load(directory: dir)
        #expect(fromFiles.merges.count == fromJSON.merges.count && fromFiles.merges.count > 400)
        for t in [fromJSON, fromFiles] {
            var wrong: [String] = []
            for (line, ids) in zip(lines, expected) where t.encode(line, maxLength: 1 << 20) != ids {
                wrong.append(line)
            }
            #expect(wrong.isEmpty, "\(wrong.count) lines differ, first: \(wrong.prefix(3).map { $0.debugDescription })")
        }
    }

    @Test(
        "GPT-2's pre-tokenisation: contractions, one leading space per word, the last of a space run kept for the next word"
    )
    func pretokenize() {
        #expect(
            ByteLevelBPETokenizer.pretokenize("Hello world's  best!!  ok\t\n 42x ") == [
                "Hello", " world", "'s", " ", " best", "!!", " ", " ok", "\t\n", " 42", "x", " ",
            ])
        #expect(ByteLevelBPETokenizer.pretokenize("") == [])
        #expect(ByteLevelBPETokenizer.pretokenize("東京 😀") == ["東京", " 😀"])
    }

    @Test("special tokens are matched verbatim; pairs are <s> A </s></s> B </s>; truncation keeps the specials")
    func specialsAndPairs() throws {
        let t = try ByteLevelBPETokenizer.load(directory: Self.dir)
        let s = t.vocab["<s>"]!, e = t.vocab["</s>"]!, mask = t.vocab["<mask>"]!
        let a = t.tokenIds("the model"), b = t.tokenIds(" weights")
        #expect(t.encode("the model", pair: " weights") == [s] + a + [e, e] + b + [e])
        #expect(t.tokenIds("the<mask> model").contains(mask))
        let long = t.encode(String(repeating: "the model ", count: 100), maxLength: 16)
        #expect(long.count == 16 && long.first == s && long.last == e)
    }

    @Test("a tokenizer.json of another kind is refused by name")
    func refusals() throws {
        let dir = try TestFixtures.scratchDirectory("bpe-refuse")
        #expect { _ = try ByteLevelBPETokenizer.load(directory: dir) } throws: {
            "\($0)".contains("no tokenizer.json, or vocab.json and merges.txt")
        }
        let wordpiece = dir + "/tokenizer.json"
        try #"{"model": {"type": "WordPiece", "vocab": {}}, "pre_tokenizer": {"type": "BertPreTokenizer"}}"#.write(
            toFile: wordpiece, atomically: true, encoding: .utf8)
        #expect {
            _ = try ByteLevelBPETokenizer.load(tokenizerJSON: wordpiece)
        } throws: { "\($0)".contains("not BPE") && "\($0)".contains(wordpiece) }
    }
}
