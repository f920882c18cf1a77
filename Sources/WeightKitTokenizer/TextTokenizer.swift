import WeightKitCheckpoints

/// Which tokenizer a BERT-family graph's text goes through: WordPiece (BERT, DistilBERT) or
/// byte-level BPE (RoBERTa).
public enum TextTokenizerKind: Sendable { case wordPiece, byteLevelBPE }

/// What turns a BERT-family graph's text into its inputs: `TokenizerFiles` (WordPiece) or
/// `ByteLevelBPETokenizer`. `run` and `verify` from text use one of these without asking which.
public protocol TextTokenizer: Sendable {
    /// Where it was read from, for the commands' output ("tokenizer: …").
    var describe: String { get }
    /// The longest sequence its files declare (tokenizer_config.json's model_max_length), if any.
    var maxLength: Int? { get }
    /// A batch as the model takes it (ids, token types, attention mask), padded to its longest
    /// row or `padTo`; with `pairs`, a second segment per row.
    func encodeBatch(_ texts: [String], pairs: [String]?, maxLength: Int, padTo: Int?) -> [WordPieceTokenizer.Encoding]
}

extension TokenizerFiles: TextTokenizer {
    public func encodeBatch(_ texts: [String], pairs: [String]?, maxLength: Int, padTo: Int?)
        -> [WordPieceTokenizer.Encoding]
    {
        tokenizer.encodeBatch(texts, pairs: pairs, maxLength: maxLength, padTo: padTo)
    }
}

extension ByteLevelBPETokenizer: TextTokenizer {
    public var describe: String { "tokenizer: " + source }
    public var maxLength: Int? { nil }
}

public enum TextTokenizers {
    /// The tokenizer of `kind` for `checkpoint` (opened from `path`, what the user named): `vocab`
    /// when given (for BPE, the vocab.json / merges.txt / tokenizer.json beside it), else the one
    /// the checkpoint carries (a GGUF's vocabulary), else the files beside `path`.
    public static func load(
        _ kind: TextTokenizerKind, for checkpoint: any Checkpoint, path: String, vocab: String? = nil
    ) throws -> any TextTokenizer {
        switch kind {
        case .wordPiece:
            return try TokenizerFiles.load(for: checkpoint, path: path, vocab: vocab)
        case .byteLevelBPE:
            if let vocab { return try ByteLevelBPETokenizer.load(directory: FileSystem.directory(of: vocab)) }
            return try ByteLevelBPETokenizer.load(
                for: checkpoint, directory: FileSystem.isDirectory(path) ? path : FileSystem.directory(of: path))
        }
    }
}
