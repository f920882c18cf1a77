import WeightKitCheckpoints

/// A model directory's tokenizer, as Hugging Face and sentence-transformers describe it:
///
/// - `tokenizer.json` (the fast tokenizer's file) when present: the WordPiece vocabulary and
///   unknown token, `##` prefix and word limit from `model`; lower-casing, accent stripping,
///   control-character cleaning and CJK splitting from its `BertNormalizer`; the special
///   tokens from `added_tokens` and the `[CLS]`/`[SEP]` of its post-processor.
/// - otherwise `vocab.txt`, with `tokenizer_config.json`'s `do_lower_case`, `strip_accents`,
///   `tokenize_chinese_chars` and special-token names (`special_tokens_map.json` as fallback).
/// - the maximum length: sentence-transformers' `sentence_bert_config.json` `max_seq_length`,
///   else `tokenizer_config.json`'s `model_max_length` (when it is a real limit, not
///   transformers' 1e30 "unset"); the caller caps it at the model's position count.
///
/// `describe` says which file decided what, for the command's output.
public struct TokenizerFiles: Sendable {
    public var tokenizer: WordPieceTokenizer
    public var maxLength: Int?
    public var sources: [String]

    public init(tokenizer: WordPieceTokenizer, maxLength: Int?, sources: [String]) {
        self.tokenizer = tokenizer
        self.maxLength = maxLength
        self.sources = sources
    }

    /// Tokenizer files that are missing, unreadable or of a kind WeightKit does not implement.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Loads from `directory`; `vocab` (a vocab.txt or tokenizer.json) overrides the search.
    /// A SavedModel keeps its vocabulary in `assets/vocab.txt`; `lowercase` is the casing the
    /// checkpoint itself records (the TF-Hub exporter's `do_lower_case` variable), used when no
    /// tokenizer file says. `parsed`: the tokenizer.json this would read, when the caller has
    /// parsed it already.
    public static func load(
        directory: String, vocab override: String? = nil, lowercase: Bool? = nil, parsed: JSONValue? = nil
    ) throws -> TokenizerFiles {
        func file(_ name: String) -> String? {
            let p = FileSystem.join(directory, name)
            return FileSystem.exists(p) ? p : nil
        }
        let config = try file("tokenizer_config.json").map { try FileSystem.readJSON($0) }
        var options = WordPieceTokenizer.Options()
        var sources: [String] = []
        let vocab: [String: Int]
        let tokenizerJSON: String?
        if let override {
            tokenizerJSON = override.hasSuffix(".json") ? override : nil
        } else {
            tokenizerJSON = file("tokenizer.json")
        }
        if let tj = tokenizerJSON {
            vocab = try readTokenizerJSON(tj, root: parsed, into: &options)
            sources.append("\(tj) (vocabulary, normaliser, special tokens)")
        } else {
            var vocabFile = override ?? FileSystem.join(directory, "vocab.txt")
            if override == nil, !FileSystem.exists(vocabFile),
                FileSystem.exists(FileSystem.join(directory, "assets/vocab.txt"))
            {
                vocabFile = FileSystem.join(directory, "assets/vocab.txt")
            }
            guard FileSystem.exists(vocabFile) else {
                throw Problem(description: "\(directory): no tokenizer.json or vocab.txt (give --vocab)")
            }
            vocab = try WordPieceTokenizer.readVocab(vocabFile)
            sources.append("\(vocabFile) (vocabulary)")
            if let config {
                applyTokenizerConfig(config, to: &options)
                sources.append("\(FileSystem.join(directory, "tokenizer_config.json")) (casing, special tokens)")
            } else if let map = try file("special_tokens_map.json").map({ try FileSystem.readJSON($0) }) {
                applySpecialTokens(map, to: &options)
            }
            if config == nil, let lowercase {
                options.lowercase = lowercase
                sources.append("the checkpoint's do_lower_case (\(lowercase))")
            }
        }
        var maxLength: Int?
        if let st = try file("sentence_bert_config.json").map({ try FileSystem.readJSON($0) }),
            let m = st["max_seq_length"]?.intValue, m > 0
        {
            maxLength = m
            sources.append("\(FileSystem.join(directory, "sentence_bert_config.json")) (max_seq_length \(m))")
        } else if let m = config?["model_max_length"]?.doubleValue, m > 0, m < 1e9 {
            maxLength = Int(m)
            sources.append("\(FileSystem.join(directory, "tokenizer_config.json")) (model_max_length \(Int(m)))")
        }
        let tokenizer = try WordPieceTokenizer(vocab: vocab, options: options, source: tokenizerJSON ?? directory)
        return TokenizerFiles(tokenizer: tokenizer, maxLength: maxLength, sources: sources)
    }

    /// A fast-tokenizer file: only WordPiece models with BERT's normaliser are accepted.
    static func readTokenizerJSON(
        _ path: String, root parsed: JSONValue? = nil, into options: inout WordPieceTokenizer.Options
    ) throws -> [String: Int] {
        let root = try parsed ?? FileSystem.readJSON(path, limit: 256 << 20)
        func fail(_ d: String) -> Problem { Problem(description: "\(path): \(d)") }
        guard case .object(let model)? = root["model"] else { throw fail("no \"model\" object") }
        guard model["type"]?.stringValue == "WordPiece" else {
            throw fail(
                "the tokenizer model is \(model["type"]?.stringValue ?? "untyped"), not WordPiece; WeightKit tokenises for BERT only"
            )
        }
        guard case .object(let v)? = model["vocab"] else { throw fail("model.vocab is not an object") }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(v.count)
        for (token, id) in v.entries {
            guard let i = id.intValue, i >= 0 else { throw fail("model.vocab['\(token)'] is not a token id") }
            vocab[token] = i
        }
        if let u = model["unk_token"]?.stringValue { options.unk = u }
        if let p = model["continuing_subword_prefix"]?.stringValue { options.continuingSubwordPrefix = p }
        if let m = model["max_input_chars_per_word"]?.intValue { options.maxInputCharsPerWord = m }
        if case .object(let n)? = root["normalizer"] {
            guard n["type"]?.stringValue == "BertNormalizer" else {
                throw fail(
                    "normalizer \(n["type"]?.stringValue ?? "untyped") is not BertNormalizer; WeightKit reproduces BERT's only"
                )
            }
            if let b = n["lowercase"]?.boolValue { options.lowercase = b }
            if let b = n["clean_text"]?.boolValue { options.cleanText = b }
            if let b = n["handle_chinese_chars"]?.boolValue { options.tokenizeChineseChars = b }
            options.stripAccents = n["strip_accents"]?.boolValue  // null: follow lowercase
        }
        if case .array(let added)? = root["added_tokens"] {
            var specials: [String] = []
            // Special tokens and unnormalised added tokens are matched verbatim in the text.
            for t in added where t["special"]?.boolValue == true || t["normalized"]?.boolValue == false {
                guard let content = t["content"]?.stringValue, let id = t["id"]?.intValue else { continue }
                if vocab[content] == nil { vocab[content] = id }
                specials.append(content)
            }
            options.specialTokens = specials
        }
        // [CLS] / [SEP] as the post-processor places them.
        if case .object(let pp)? = root["post_processor"] {
            if pp["type"]?.stringValue == "BertProcessing" {
                if let c = pp["cls"]?.arrayValue?.first?.stringValue { options.cls = c }
                if let s = pp["sep"]?.arrayValue?.first?.stringValue { options.sep = s }
            } else if case .array(let single)? = pp["single"] {
                let specials = single.compactMap { $0["SpecialToken"]?["id"]?.stringValue }
                if specials.count == 2 { options.cls = specials[0]; options.sep = specials[1] }
            }
        }
        if case .object(let pad)? = root["padding"], let p = pad["pad_token"]?.stringValue { options.pad = p }
        return vocab
    }

    static func applyTokenizerConfig(_ c: JSONValue, to options: inout WordPieceTokenizer.Options) {
        if let b = c["do_lower_case"]?.boolValue { options.lowercase = b }
        if let b = c["strip_accents"]?.boolValue { options.stripAccents = b }
        if let b = c["tokenize_chinese_chars"]?.boolValue { options.tokenizeChineseChars = b }
        applySpecialTokens(c, to: &options)
    }

    /// `unk_token` & co., as strings or as AddedToken objects with a `content`.
    static func applySpecialTokens(_ c: JSONValue, to options: inout WordPieceTokenizer.Options) {
        func token(_ key: String) -> String? { c[key]?.stringValue ?? c[key]?["content"]?.stringValue }
        if let t = token("unk_token") { options.unk = t }
        if let t = token("cls_token") { options.cls = t }
        if let t = token("sep_token") { options.sep = t }
        if let t = token("pad_token") { options.pad = t }
        var specials = [options.unk, options.cls, options.sep, options.pad]
        if let m = token("mask_token") { specials.append(m) }
        if case .object(let decoder)? = c["added_tokens_decoder"] {
            for (_, t) in decoder.entries where t["special"]?.boolValue == true {
                if let s = t["content"]?.stringValue { specials.append(s) }
            }
        }
        options.specialTokens = specials
    }

    /// The tokenizer of a checkpoint: `vocab` when given, else the one the checkpoint carries
    /// (`EmbeddedTokenizer`: a GGUF's `tokenizer.ggml.*`), else the files beside it
    /// (`load(directory:)`, with a TF-Hub export's own `do_lower_case`) — beside `path`, what the
    /// user named (a SavedModel's checkpoint path is its `variables/` bundle), else the checkpoint's.
    public static func load(for checkpoint: any Checkpoint, path: String? = nil, vocab: String? = nil) throws
        -> TokenizerFiles
    {
        if vocab == nil, let embedded = checkpoint as? any EmbeddedTokenizer { return try embedded.tokenizerFiles() }
        let path = path ?? checkpoint.path
        return try load(
            directory: FileSystem.isDirectory(path) ? path : FileSystem.directory(of: path), vocab: vocab,
            lowercase: checkpoint.metadata["tf.do_lower_case"].map { $0 == "true" })
    }

    /// One line per source, for the commands' output.
    public var describe: String { "tokenizer: " + sources.joined(separator: "; ") }
}

/// A checkpoint that carries its own tokenizer (a GGUF's `tokenizer.ggml.*` keys).
public protocol EmbeddedTokenizer {
    func tokenizerFiles() throws -> TokenizerFiles
}
