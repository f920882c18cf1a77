import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
@testable import WeightKitTokenizer

@Suite("WordPiece tokenizer against Hugging Face BertTokenizer")
struct WordPieceTests {
    static let tokenizer = try! WordPieceTokenizer(vocabFile: TestFixtures.path("tokenizer/vocab.txt"))

    @Test("ids identical to BertTokenizer (and the fast tokenizer) on every line of the corpus")
    func corpus() throws {
        let corpus = try FileSystem.readJSON(TestFixtures.path("tokenizer/corpus.json"))
        let lines = try #require(corpus["lines"]?.arrayValue)
        #expect(lines.count >= 2000)
        var mismatches: [String] = []
        for l in lines {
            let text = try #require(l["text"]?.stringValue)
            let want = try #require(l["ids"]?.arrayValue).compactMap(\.intValue)
            #expect(l["fast_agrees"] == .bool(true))
            let got = Self.tokenizer.encode(text)
            if got != want {
                mismatches.append("\(text.debugDescription): got \(got.prefix(20)) want \(want.prefix(20))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) lines differ; first: \(mismatches.prefix(3))")
    }

    @Test("tokens as BertTokenizer gives them: accents stripped, CJK split, ## continuations, [UNK]")
    func tokens() {
        #expect(Self.tokenizer.tokenize("UNwant\u{E9}d,running") == ["unwanted", ",", "running"])
        #expect(Self.tokenizer.tokenize("unaffable") == ["una", "##ffa", "##ble"])
        #expect(Self.tokenizer.tokenize("Héllo 日本 emoji😀") == ["hello", "日", "本", "[UNK]"])
        #expect(Self.tokenizer.wordPieces(String(repeating: "x", count: 101)) == ["[UNK]"])
        #expect(Self.tokenizer.encode("") == [101, 102])
    }
}

@Suite("sentence pairs")
struct PairTests {
    @Test("pairs, longest-first truncation and padding identical to BertTokenizer on 200 pairs")
    func pairs() throws {
        let tok = try WordPieceTokenizer(vocabFile: TestFixtures.path("tokenizer/vocab.txt"))
        let corpus = try FileSystem.readJSON(TestFixtures.path("tokenizer/pairs.json"))
        let pairs = try #require(corpus["pairs"]?.arrayValue)
        #expect(pairs.count == 200)
        var bad = 0
        for p in pairs {
            let e = tok.encode(p["a"]!.stringValue!, pair: p["b"]!.stringValue!, maxLength: 64, padTo: 64)
            let want = WordPieceTokenizer.Encoding(
                inputIds: p["input_ids"]!.arrayValue!.compactMap(\.intValue),
                tokenTypeIds: p["token_type_ids"]!.arrayValue!.compactMap(\.intValue),
                attentionMask: p["attention_mask"]!.arrayValue!.compactMap(\.intValue))
            if e != want { bad += 1 }
        }
        #expect(bad == 0, "\(bad) pairs differ")
    }
}
