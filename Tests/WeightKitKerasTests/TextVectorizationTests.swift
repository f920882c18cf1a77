import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
import WeightKitTokenizer

@testable import WeightKitKeras

/// The notebook's classifier, TextVectorization first, saved by Keras 3 and tf_keras
/// (Fixtures/keras/generate_vectorizer.py): the vectorizer read from where Keras keeps it and its
/// ids against the ones Keras' own layer made on a 2,000-line corpus.
@Suite("Keras TextVectorization reproduced")
struct TextVectorizationTests {
    static let corpus = try! FileSystem.readJSON(TestFixtures.path("keras/vectorizer/corpus.json"))

    @Test(
        "ids identical to Keras' on every corpus line",
        arguments: ["keras/vectorizer/textclf_vec_k3.keras", "keras/vectorizer/textclf_vec_k2.keras"])
    func corpusIds(_ fixture: String) throws {
        let c = try KerasArchiveReader.open(TestFixtures.path(fixture))
        let v = try #require(try c.textVectorizer())
        #expect(v.standardize == .lowerAndStripPunctuation && v.split == .whitespace && v.outputSequenceLength == 64)
        let lines = try #require(Self.corpus["lines"]?.arrayValue).compactMap(\.stringValue)
        let expected = try #require(Self.corpus["keras3"]?["ids"]?.arrayValue)
        #expect(v.vocabulary.count == Self.corpus["keras3"]?["vocabulary_size"]?.intValue)
        #expect(lines.count == 2000)
        var mismatches: [String] = []
        for (line, want) in zip(lines, expected) {
            let got = v.ids(line).filter { $0 != 0 }
            if got != want.arrayValue?.compactMap(\.intValue) {
                mismatches.append(
                    "\(line.debugDescription): \(got) vs \(want.arrayValue?.compactMap(\.intValue) ?? [])")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) lines differ: \(mismatches.prefix(5))")
    }
}

@Suite("Keras TextVectorization: what a legacy .h5 does not hold")
struct TextVectorizationH5Tests {
    @Test("Keras 3's .h5 of an adapted vectorizer has no vocabulary: said exactly, and --vocabulary supplies it")
    func adaptedInH5() throws {
        let c = try KerasReader.open(TestFixtures.path("keras/vectorizer/tiny_adapted_k3.h5"))
        #expect { _ = try c.textVectorizer() } throws: {
            "\($0)".contains("an adapted vocabulary is not saved in .h5") && "\($0)".contains("--vocabulary FILE")
        }
        let file = try TestFixtures.scratchDirectory("voc") + "/vocabulary.txt"
        try "\n[UNK]\nworld\nsports\n".write(toFile: file, atomically: true, encoding: .utf8)
        let v = try #require(try c.textVectorizer(vocabularyFile: file))
        #expect(v.ids("Sports, world!") == [3, 2, 0, 0] && v.outputSequenceLength == 4)
    }
}
