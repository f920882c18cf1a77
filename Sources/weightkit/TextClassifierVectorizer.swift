import Foundation
import WeightKitCheckpoints
import WeightKitKeras
import WeightKitTensorFlow
import WeightKitTokenizer

/// Where `run` and `verify` find a text classifier's TextVectorization.
enum TextClassifierVectorizer {
    /// A text classifier's vectorizer, from a Keras archive or `.h5`, or from a tf_keras SavedModel.
    static func find(for c: any Checkpoint, vocabularyFile: String?) throws -> KerasTextVectorizer? {
        if let k = c as? KerasCheckpoint { return try k.textVectorizer(vocabularyFile: vocabularyFile) }
        // A graph-ready .wkc carries it in its model section.
        if c is WKCCheckpoint, let section = c.modelConfig?["text_vectorization"] {
            return try KerasTextVectorizer(json: section, source: c.path + " (model section)")
        }
        let dir = FileSystem.directory(of: FileSystem.directory(of: c.path))
        guard FileSystem.exists(FileSystem.join(dir, "saved_model.pb")) else { return nil }
        let info = try SavedModelInfo.read(dir)
        if let vocabularyFile, let found = try? info.textVectorizer() {
            let text = try String(contentsOfFile: vocabularyFile, encoding: .utf8)
            return try KerasTextVectorizer(
                config: .object([
                    "standardize": .string(found.standardize.rawValue), "split": .string(found.split.rawValue),
                    "output_sequence_length": found.outputSequenceLength.map { .int($0) } ?? .null,
                    "ngrams": found.ngramWidths.isEmpty ? .null : .array(found.ngramWidths.map { .int($0) }),
                ]), vocabulary: KerasTextVectorizer.readVocabulary(text), source: vocabularyFile)
        }
        return try info.textVectorizer()
    }
}
