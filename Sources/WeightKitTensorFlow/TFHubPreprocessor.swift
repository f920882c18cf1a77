import WeightKitCheckpoints
import WeightKitTokenizer

/// A TF-Hub BERT preprocess SavedModel (`bert_en_uncased_preprocess/3` and its kind, made by
/// Model Garden's `export_tfhub_lib.export_preprocessing`), reproduced without running its graph:
///
/// - the vocabulary is its `assets/vocab.txt` (the graph also embeds the exporter's absolute path
///   to it, which is useless elsewhere and never followed);
/// - it has no casing flag: an uncased one is recognised by the `CaseFoldUTF8` ops its
///   tensorflow_text `BertTokenizer` put in the function library (with `NormalizeUTF8` and the
///   `\p{Mn}` strip), a cased one has none; its text is then tokenised the tensorflow_text way
///   (`WordPieceTokenizer.Normalization.tensorflowText`), not transformers';
/// - the sequence length and special ids are `BertPackInputs`' config in `keras_metadata.pb`
///   (128 when the file is absent, the exporter's default).
public struct TFHubPreprocessor: Sendable {
    public var directory: String
    public var vocabFile: String
    public var lowercase: Bool
    public var seqLength: Int
    public var truncator: String
    /// How each setting was found, for the command's output.
    public var evidence: [String]

    /// A preprocess SavedModel WeightKit cannot reproduce, in words.
    public struct Problem: Error, Sendable, CustomStringConvertible { public var description: String }

    public static func load(_ directory: String) throws -> TFHubPreprocessor {
        let info: SavedModelInfo
        do { info = try SavedModelInfo.read(directory) } catch { throw Problem(description: "\(error)") }
        let ops = info.opCounts
        if ops["SentencepieceOp"] != nil || ops["SentencepieceTokenizeOp"] != nil {
            throw Problem(
                description:
                    "\(directory): a SentencePiece preprocessor (ALBERT-style); WeightKit reproduces WordPiece BERT preprocessors only"
            )
        }
        guard ops["WordpieceTokenizeWithOffsets"] != nil || ops["FastWordpieceTokenizeWithOffsets"] != nil else {
            throw Problem(
                description:
                    "\(directory): no WordPiece tokenizer ops in saved_model.pb: not a BERT preprocess SavedModel")
        }
        guard info.assets.contains("vocab.txt"), FileSystem.exists(FileSystem.join(directory, "assets/vocab.txt"))
        else {
            throw Problem(description: "\(directory): no assets/vocab.txt (assets listed: \(info.assets))")
        }
        let folds = ops["CaseFoldUTF8"] ?? 0
        var evidence = [
            "\(directory)/assets/vocab.txt (vocabulary)",
            folds > 0
                ? "uncased: \(folds) CaseFoldUTF8 and \(ops["NormalizeUTF8"] ?? 0) NormalizeUTF8 ops in saved_model.pb (NFKC_Casefold, NFD, accents stripped)"
                : "cased: no CaseFoldUTF8 op in saved_model.pb",
        ]
        var seqLength = 128, truncator = "round_robin"
        if let pack = info.kerasObjects.first(where: {
            $0.metadata["class_name"]?.stringValue?.hasSuffix("BertPackInputs") == true
        }),
            let config = pack.metadata["config"]
        {
            seqLength = config["seq_length"]?.intValue ?? seqLength
            truncator = config["truncator"]?.stringValue ?? truncator
            evidence.append("keras_metadata.pb BertPackInputs: seq_length \(seqLength), truncator \(truncator)")
        } else {
            evidence.append("seq_length 128 (the exporter's default; no BertPackInputs config in keras_metadata.pb)")
        }
        return TFHubPreprocessor(
            directory: directory, vocabFile: FileSystem.join(directory, "assets/vocab.txt"), lowercase: folds > 0,
            seqLength: seqLength, truncator: truncator, evidence: evidence)
    }

    /// The tokenizer that reproduces the preprocessor's `input_word_ids` (and its length limit).
    public func tokenizerFiles() throws -> TokenizerFiles {
        var options = WordPieceTokenizer.Options()
        options.normalization = .tensorflowText
        options.lowercase = lowercase
        options.specialTokens = []  // tensorflow_text matches no special token in the text
        let tokenizer = try WordPieceTokenizer(
            vocab: try WordPieceTokenizer.readVocab(vocabFile), options: options, source: vocabFile)
        return TokenizerFiles(
            tokenizer: tokenizer, maxLength: seqLength, sources: ["preprocessor " + directory] + evidence)
    }
}
