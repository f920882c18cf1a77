import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
@testable import WeightKitTokenizer

/// The TF-Hub preprocessor's tokenisation (tensorflow_text BertTokenizer, uncased) against what
/// TensorFlow itself produced on a 2,000-line corpus (Fixtures/tensorflow/generate_bert.py corpus:
/// hand-written cases, every code point of the blocks where case folding, NFKC, accents, spaces and
/// punctuation matter, random mixtures).
@Suite("tensorflow_text BertTokenizer reproduced")
struct TensorFlowTextTests {
    static let corpus = try! FileSystem.readJSON(TestFixtures.path("tensorflow/expected/preprocess_corpus.json"))

    static func strings(_ v: JSONValue?) -> [String] { v?.arrayValue?.compactMap(\.stringValue) ?? [] }

    @Test("basic tokens equal tensorflow_text BasicTokenizer(lower_case=True)'s on every line")
    func basicTokens() throws {
        let lines = Self.strings(Self.corpus["lines"])
        let expected = try #require(Self.corpus["basic_tokens"]?.arrayValue)
        #expect(lines.count == 2000 && expected.count == lines.count)
        var mismatches: [String] = []
        for (line, want) in zip(lines, expected) {
            let got = TensorFlowTextNormalizer.basicTokens(line, lowercase: true)
            if got != Self.strings(want) {
                mismatches.append("\(line.debugDescription): \(got) vs \(Self.strings(want))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(lines.count) lines differ: \(mismatches.prefix(8))")
    }

    static func tokenizer(_ normalization: WordPieceTokenizer.Normalization) throws -> WordPieceTokenizer {
        var options = WordPieceTokenizer.Options()
        options.normalization = normalization
        if normalization == .tensorflowText { options.specialTokens = [] }
        return try WordPieceTokenizer(
            vocab: try WordPieceTokenizer.readVocab(TestFixtures.path("tensorflow/hub_preprocess/assets/vocab.txt")),
            options: options)
    }

    @Test("pairs packed as bert_pack_inputs(seq_length=16) packs them: round-robin truncation, type ids")
    func pairs() throws {
        let tokenizer = try Self.tokenizer(.tensorflowText)
        let pairs = try #require(Self.corpus["pairs"]?.arrayValue)
        let ids = try #require(Self.corpus["pair_ids"]?.arrayValue),
            types = try #require(Self.corpus["pair_type_ids"]?.arrayValue)
        #expect(pairs.count == 200)
        var mismatches = 0
        for ((p, i), t) in zip(zip(pairs, ids), types) {
            let ab = Self.strings(p)
            let e = tokenizer.encode(ab[0], pair: ab[1], maxLength: 16)
            if e.inputIds != i.arrayValue?.compactMap(\.intValue)
                || e.tokenTypeIds != t.arrayValue?.compactMap(\.intValue)
            {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    @Test("transformers' BertTokenizer gives other ids on the same corpus: the two are not interchangeable")
    func differsFromTransformers() throws {
        let tf = try Self.tokenizer(.tensorflowText), hf = try Self.tokenizer(.huggingFace)
        let lines = Self.strings(Self.corpus["lines"])
        let differing = lines.filter { tf.encode($0, maxLength: 128) != hf.encode($0, maxLength: 128) }
        #expect(differing.contains("Straße… CAFÉ? Über naïve, don’t"))
        #expect(differing.count > 100, "\(differing.count)")
    }

    @Test("ids equal the preprocessor SavedModel's on every line ([CLS] … [SEP], 128 at most)")
    func ids() throws {
        let tokenizer = try Self.tokenizer(.tensorflowText)
        let lines = Self.strings(Self.corpus["lines"])
        let expected = try #require(Self.corpus["ids"]?.arrayValue)
        var mismatches = 0, first: String?
        for (line, want) in zip(lines, expected) {
            let got = tokenizer.encode(line, maxLength: 128).inputIds
            if got != want.arrayValue?.compactMap(\.intValue) {
                mismatches += 1
                first = first ?? "\(line.debugDescription): \(got)"
            }
        }
        #expect(mismatches == 0, "\(mismatches) lines differ; first \(first ?? "")")
    }
}

@Suite("Keras TextVectorization settings")
struct KerasTextVectorizerTests {
    @Test("a custom standardize or split callable is refused by name; modes and n-grams follow Keras")
    func settings() throws {
        let custom: JSONValue = .object([
            "standardize": .object(["class_name": .string("function"), "config": .string("my_standardize")])
        ])
        #expect { _ = try KerasTextVectorizer(config: custom, vocabulary: ["", "[UNK]"], source: "m.keras") } throws: {
            "\($0)".contains("standardize is a custom callable (function)") && "\($0)".contains("m.keras")
        }
        let bigrams: JSONValue = .object([
            "standardize": .string("lower"), "split": .string("whitespace"), "ngrams": .int(2),
            "output_sequence_length": .int(6),
        ])
        let v = try KerasTextVectorizer(config: bigrams, vocabulary: ["", "[UNK]", "a", "b", "a b"], source: "t")
        #expect(v.tokens("A  b\u{0B}c") == ["a", "b", "c", "a b", "b c"])
        #expect(v.ids("A b c") == [2, 3, 1, 4, 1, 0])
        let chars = try KerasTextVectorizer(
            config: .object(["split": .string("character"), "standardize": .null]), vocabulary: ["", "[UNK]", "É"],
            source: "t")
        #expect(chars.ids("É!") == [2, 1])
    }
}

@Suite("Keras TextVectorization: every mode against Keras")
struct KerasTextVectorizerModeTests {
    static let modes = try! FileSystem.readJSON(TestFixtures.path("keras/vectorizer/modes.json"))
    static let lines = try! FileSystem.readJSON(TestFixtures.path("keras/vectorizer/corpus.json"))["lines"]!
        .arrayValue!.compactMap(\.stringValue)

    @Test(
        "standardize lower / strip_punctuation / None, character and no split, bigrams, short lengths, small max_tokens",
        arguments: ["lower", "strip_punctuation", "none", "character", "no_split", "bigrams", "short", "max_tokens_50"])
    func mode(_ name: String) throws {
        let m = try #require(Self.modes["keras3"]?[name])
        let vocabulary = try #require(m["vocabulary"]?.arrayValue).compactMap(\.stringValue)
        let v = try KerasTextVectorizer(config: try #require(m["config"]), vocabulary: vocabulary, source: name)
        let expected = try #require(m["ids"]?.arrayValue)
        #expect(Self.modes["tf_keras_same"]?[name]?.boolValue == true, "tf_keras agrees with Keras 3")
        var mismatches: [String] = []
        for (line, want) in zip(Self.lines.prefix(300), expected) {
            var got = v.ids(line)
            while got.last == 0 { got.removeLast() }
            if got != want.arrayValue?.compactMap(\.intValue) {
                mismatches.append("\(line.debugDescription): \(v.tokens(line))")
            }
        }
        #expect(
            expected.count == 300 && mismatches.isEmpty, "\(name): \(mismatches.count) differ: \(mismatches.prefix(3))")
    }
}
