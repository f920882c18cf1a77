import WeightKitCheckpoints
import WeightKitTokenizer

/// A tf_keras SavedModel's `TextVectorization` (`model.save("dir")`, TF2's default format): its
/// config is the layer's metadata in `keras_metadata.pb`; its adapted vocabulary is in no asset
/// file but held as two constants of the graph in `saved_model.pb` — the lookup table's keys
/// (strings) and values (their indices, 2, 3, … after the padding and `[UNK]`), which initialise
/// it when the SavedModel loads.
extension SavedModelInfo {
    /// `vocabularyFile` (one token per line, as `get_vocabulary()` returns them) replaces the
    /// vocabulary the SavedModel holds, or supplies the one it does not.
    public func textVectorizer(vocabularyFile: String? = nil) throws -> KerasTextVectorizer? {
        let layers = kerasObjects.filter { $0.metadata["class_name"]?.stringValue == "TextVectorization" }
        guard let layer = layers.first, let config = layer.metadata["config"] else { return nil }
        let source = FileSystem.join(directory, "keras_metadata.pb") + " (\(layer.path))"
        func fail(_ d: String) -> KerasTextVectorizer.Problem {
            .init(description: "\(source): TextVectorization: \(d)")
        }
        guard layers.count == 1 else { throw fail("\(layers.count) vectorizers; WeightKit reads one") }
        if let vocabularyFile {
            return try KerasTextVectorizer(
                config: config, vocabulary: try KerasTextVectorizer.readVocabulary(file: vocabularyFile), source: source
            )
        }
        if case .array(let inline)? = config["vocabulary"] {
            return try KerasTextVectorizer(
                config: config, vocabulary: ["", "[UNK]"] + inline.compactMap(\.stringValue), source: source)
        }
        // The keys constant whose indices constant counts 2, 3, … beside it.
        var candidates: [[String]] = []
        for (_, keys) in stringConstants {
            for (_, values) in int64Constants where values.count == keys.count {
                var order = [String](repeating: "", count: keys.count)
                var ok = true
                for (k, v) in zip(keys, values) {
                    let i = Int(v) - 2
                    guard i >= 0, i < keys.count, order[i].isEmpty else { ok = false; break }
                    order[i] = k
                }
                if ok { candidates.append(order) }
            }
        }
        guard candidates.count == 1, let vocabulary = candidates.first else {
            throw fail(
                candidates.isEmpty
                    ? "no vocabulary in assets/ nor as lookup-table constants in saved_model.pb (give --vocabulary FILE)"
                    : "\(candidates.count) lookup tables in saved_model.pb; which is the vectorizer's is not said (give --vocabulary FILE)"
            )
        }
        return try KerasTextVectorizer(config: config, vocabulary: ["", "[UNK]"] + vocabulary, source: source)
    }
}
