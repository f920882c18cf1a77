import WeightKitTokenizer

/// llama.cpp's encoding of a WordPiece vocabulary in `tokenizer.ggml.tokens` (its converter's
/// `BertModel.set_vocab`): control tokens as they are, a continuation piece `##x` as `x`, every
/// other token prefixed with U+2581 ("phantom space"); `tokenizer.ggml.token_type` says which
/// tokens are control (3) and which normal (1).
public enum GGUFVocabulary {
    /// ggml's `TokenType`.
    public static let normal = 1, control = 3

    /// The token as `tokenizer.ggml.tokens` holds it.
    public static func encode(_ token: String, control: Bool) -> String {
        if control { return token }
        // By bytes: "##" followed by a combining mark is one Character to Swift ("#ा").
        if token.utf8.starts(with: "##".utf8) { return String(decoding: token.utf8.dropFirst(2), as: UTF8.self) }
        return "\u{2581}" + token
    }

    /// The WordPiece token a `tokenizer.ggml.tokens` entry stands for (the inverse of `encode`).
    public static func decode(_ token: String, control: Bool) -> String {
        if control { return token }
        let phantom = "\u{2581}".utf8
        if token.utf8.starts(with: phantom) {
            return String(decoding: token.utf8.dropFirst(phantom.count), as: UTF8.self)
        }
        return "##" + token
    }
}

extension GGUFCheckpoint: EmbeddedTokenizer {
    /// The WordPiece tokenizer of a BERT GGUF: `tokenizer.ggml.tokens` with the rewrite undone,
    /// the special tokens from the `tokenizer.ggml.*_token_id` keys, the casing from
    /// `tokenizer.ggml.normalizer.lowercase` / `strip_accents` with llama.cpp's defaults (lower-case,
    /// strip accents as lower-casing does), the length limit from `bert.context_length`.
    public func tokenizerFiles() throws -> TokenizerFiles {
        func fail(_ d: String) -> TokenizerFiles.Problem { .init(description: "\(path): \(d)") }
        guard file.value("tokenizer.ggml.model")?.stringValue == "bert" else {
            throw fail(
                "tokenizer.ggml.model is \(file.value("tokenizer.ggml.model")?.summary ?? "absent"), not \"bert\" (WordPiece): WeightKit tokenises for BERT only"
            )
        }
        guard case .array(_, let items)? = file.value("tokenizer.ggml.tokens") else {
            throw fail("no tokenizer.ggml.tokens array")
        }
        var types: [Int] = []
        if case .array(_, let t)? = file.value("tokenizer.ggml.token_type") { types = t.map { $0.intValue ?? 0 } }
        guard types.isEmpty || types.count == items.count else {
            throw fail("tokenizer.ggml.token_type has \(types.count) entries for \(items.count) tokens")
        }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(items.count)
        var tokens: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else { throw fail("tokenizer.ggml.tokens[\(i)] is not a string") }
            let t = GGUFVocabulary.decode(s, control: types.isEmpty ? false : types[i] == GGUFVocabulary.control)
            tokens.append(t)
            if vocab[t] == nil { vocab[t] = i }
        }
        func special(_ key: String) throws -> String? {
            guard let v = file.value("tokenizer.ggml.\(key)_token_id") else { return nil }
            guard let id = v.intValue, tokens.indices.contains(id) else {
                throw fail("tokenizer.ggml.\(key)_token_id \(v.summary) is not a token id")
            }
            return tokens[id]
        }
        var options = WordPieceTokenizer.Options()
        options.lowercase = file.value("tokenizer.ggml.normalizer.lowercase") != .bool(false)
        if case .bool(let b)? = file.value("tokenizer.ggml.normalizer.strip_accents") { options.stripAccents = b }
        if let u = try special("unknown") { options.unk = u }
        if let c = try special("cls") ?? special("bos") { options.cls = c }
        if let s = try special("seperator") ?? special("eos") { options.sep = s }
        if let p = try special("padding") { options.pad = p }
        options.specialTokens = tokens.indices.filter { !types.isEmpty && types[$0] == GGUFVocabulary.control }.map {
            tokens[$0]
        }
        let tokenizer = try WordPieceTokenizer(vocab: vocab, options: options, source: path)
        return TokenizerFiles(
            tokenizer: tokenizer, maxLength: file.value("bert.context_length")?.intValue,
            sources: [
                "\(path) (tokenizer.ggml.tokens with llama.cpp's phantom-space rewrite undone; \(options.lowercase ? "lower-cased" : "cased"), as llama.cpp's WPM tokenizer reads tokenizer.ggml.normalizer.*)"
            ])
    }
}

extension GGUFCheckpoint: EmbeddedByteLevelBPE {
    /// A `gpt2` vocabulary (RoBERTa): `tokenizer.ggml.tokens` as they are (no rewrite), the merges
    /// in rank order, CONTROL tokens matched verbatim, `<s>` / `</s>` from the bos / eos ids;
    /// nil for other tokenizer models, except a SentencePiece Unigram one (`t5`, XLM-RoBERTa),
    /// which is refused by name: the GGUF's tokenizer is that one, not whatever lies beside it.
    public func byteLevelBPE() throws -> ByteLevelBPETokenizer? {
        func fail(_ d: String) -> ByteLevelBPETokenizer.Problem { .init(description: "\(path): \(d)") }
        if file.value("tokenizer.ggml.model")?.stringValue == "t5" {
            throw fail(
                "tokenizer.ggml.model is t5 (SentencePiece Unigram, as XLM-RoBERTa's), which WeightKit does not tokenise: give token ids (verify with a bundle holding input_ids)"
            )
        }
        guard file.value("tokenizer.ggml.model")?.stringValue == "gpt2" else { return nil }
        guard case .array(_, let items)? = file.value("tokenizer.ggml.tokens") else {
            throw fail("no tokenizer.ggml.tokens array")
        }
        guard case .array(_, let mergeItems)? = file.value("tokenizer.ggml.merges") else {
            throw fail("a gpt2 vocabulary without tokenizer.ggml.merges")
        }
        var types: [Int] = []
        if case .array(_, let t)? = file.value("tokenizer.ggml.token_type") { types = t.map { $0.intValue ?? 0 } }
        var tokens: [String] = []
        var vocab: [String: Int] = [:]
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue else { throw fail("tokenizer.ggml.tokens[\(i)] is not a string") }
            tokens.append(s)
            // Ids that only pad the vocabulary (UNUSED, "[PAD<id>]") are not tokens of the text.
            if vocab[s] == nil, types.count != items.count || types[i] != 5 { vocab[s] = i }
        }
        var merges: [(String, String)] = []
        for (i, m) in mergeItems.enumerated() {
            guard let s = m.stringValue, let space = s.dropFirst().firstIndex(of: " ") else {
                throw fail("tokenizer.ggml.merges[\(i)] is not two symbols")
            }
            merges.append((String(s[..<space]), String(s[s.index(after: space)...])))
        }
        func token(_ key: String, _ fallback: String) -> String {
            guard let id = file.value("tokenizer.ggml.\(key)_token_id")?.intValue, tokens.indices.contains(id) else {
                return fallback
            }
            return tokens[id]
        }
        let specials = types.count == items.count ? tokens.indices.filter { types[$0] == 3 }.map { tokens[$0] } : []
        var t = try ByteLevelBPETokenizer(
            vocab: vocab, merges: merges, specialTokens: specials, bos: token("bos", "<s>"), eos: token("eos", "</s>"),
            pad: token("padding", "<pad>"),
            addPrefixSpace: file.value("tokenizer.ggml.add_space_prefix") == .bool(true))
        t.source = "\(path) (tokenizer.ggml.tokens and merges: byte-level BPE)"
        return t
    }
}
