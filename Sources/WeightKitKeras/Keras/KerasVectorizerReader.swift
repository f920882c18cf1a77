import WeightKitCheckpoints
import WeightKitTokenizer

/// Where Keras keeps a model's `TextVectorization`: the layer's config in the model config
/// (`config.json` of a `.keras` archive, the `model_config` attribute of a legacy `.h5`) and its
/// vocabulary either inline in that config (given to the constructor, without the padding and
/// `[UNK]` entries `get_vocabulary()` shows) or, adapted, as an archive asset
/// (`assets/layers/<attribute path>/vocabulary.txt`; the `_lookup_layer/` copy is the same file).
extension KerasCheckpoint {
    /// The model's vectorizer, nil when it has none; an error when it has one WeightKit cannot
    /// reproduce or whose vocabulary the file does not hold (an adapted vocabulary in a `.h5`).
    /// `vocabularyFile` (one token per line, as `get_vocabulary()` returns them) replaces the
    /// vocabulary the file holds, or supplies the one it does not.
    public func textVectorizer(vocabularyFile: String? = nil) throws -> KerasTextVectorizer? {
        guard let model = modelConfig else { return nil }
        var found: [JSONValue] = []
        func walk(_ v: JSONValue, depth: Int) {
            guard depth < 64 else { return }
            switch v {
            case .object(let o):
                if o["class_name"]?.stringValue == "TextVectorization", let c = o["config"] { found.append(c) }
                for (_, x) in o.entries { walk(x, depth: depth + 1) }
            case .array(let a): for x in a { walk(x, depth: depth + 1) }
            default: break
            }
        }
        walk(model, depth: 0)
        guard let config = found.first else { return nil }
        let name = config["name"]?.stringValue ?? "text_vectorization"
        func fail(_ d: String) -> KerasTextVectorizer.Problem {
            .init(description: "\(path): TextVectorization '\(name)': \(d)")
        }
        guard found.count == 1 else { throw fail("the model has \(found.count) vectorizers; WeightKit reads one") }
        var vocabulary: [String]
        if let vocabularyFile {
            vocabulary = try KerasTextVectorizer.readVocabulary(file: vocabularyFile)
        } else if case .array(let inline)? = config["vocabulary"] {
            vocabulary = ["", "[UNK]"] + inline.compactMap(\.stringValue)
        } else {
            let files = assets.keys.filter { $0.hasSuffix("/vocabulary.txt") && !$0.contains("/_lookup_layer/") }
                .sorted()
            guard let file = files.first(where: { $0.contains("/\(name)/") }) ?? (files.count == 1 ? files.first : nil)
            else {
                throw fail(
                    format == .kerasArchive
                        ? "no vocabulary.txt among the archive's assets (\(assets.keys.sorted()))"
                        : "its vocabulary was adapted, and an adapted vocabulary is not saved in .h5 (tf_keras refuses to write such a model to .h5; Keras 3 writes it without the vocabulary): give --vocabulary FILE, one token per line as get_vocabulary() returns them"
                )
            }
            vocabulary = KerasTextVectorizer.readVocabulary(String(decoding: assets[file]!, as: UTF8.self))
        }
        return try KerasTextVectorizer(config: config, vocabulary: vocabulary, source: path + " (\(name))")
    }
}
