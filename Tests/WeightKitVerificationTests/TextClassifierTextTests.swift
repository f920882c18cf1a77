import Foundation
import Testing
import WeightKitCheckpoints
import WeightKitTestSupport
import WeightKitTokenizer

@testable import WeightKitVerification

/// verify from text for the notebook's classifier (Fixtures/keras/vectorizer): the ids are held to
/// the bundle's before any output is compared.
@Suite("verify: the text classifier from its strings")
struct TextClassifierTextTests {
    static let model = TestFixtures.path("keras/vectorizer/textclf_vec_k3.keras")
    static let bundle = TestFixtures.path("keras/vectorizer/textclf_vec_k3.reference.safetensors")

    static func vectorizer(_ vocabulary: [String]) throws -> KerasTextVectorizer {
        try KerasTextVectorizer(
            config: .object([
                "standardize": .string("lower_and_strip_punctuation"), "split": .string("whitespace"),
                "output_sequence_length": .int(64),
            ]), vocabulary: vocabulary, source: "test")
    }

    @Test("a vectorizer whose ids differ is a tokenization failure naming the line and position")
    func tokenizationFailure() throws {
        let wrong = try Self.vectorizer(["", "[UNK]", "love", "i"])
        #expect {
            _ = try Verifier.verify(
                checkpoint: Self.model, reference: Self.bundle, config: nil, fromText: true, vectorizer: wrong)
        } throws: { "\($0)".contains("tokenization failure at line 0 (\"I love transformers.\"), position 0") }
    }
}
