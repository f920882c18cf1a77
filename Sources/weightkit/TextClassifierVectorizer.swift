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
        return try SavedModelInfo.read(dir).textVectorizer(vocabularyFile: vocabularyFile)
    }
}
