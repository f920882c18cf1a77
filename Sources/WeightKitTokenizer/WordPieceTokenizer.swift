import Foundation

/// BERT's tokenizer as Hugging Face's BertTokenizer implements it: basic tokenisation (clean
/// control characters, CJK characters as their own tokens, NFC, whitespace split, lower-casing
/// and NFD accent stripping for uncased models, punctuation split), then greedy longest-match
/// WordPiece with `##` continuations, `[UNK]` for words over 100 characters or with no match.
public struct WordPieceTokenizer: Sendable {
    /// Everything besides the vocabulary that decides the ids: what `tokenizer.json` /
    /// `tokenizer_config.json` say (see `TokenizerFiles`), with BERT's defaults.
    public struct Options: Sendable, Equatable {
        public var lowercase = true
        /// nil: strip accents exactly when lower-casing (BERT's rule).
        public var stripAccents: Bool? = nil
        public var tokenizeChineseChars = true
        public var cleanText = true
        public var unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]"
        public var continuingSubwordPrefix = "##"
        public var maxInputCharsPerWord = 100
        /// Tokens matched verbatim in the input and never split ([CLS], [SEP], [MASK], ...).
        public var specialTokens: [String] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        /// Whose basic tokenizer to reproduce.
        public var normalization: Normalization = .huggingFace
        public init() {}
    }

    /// The two BERT basic tokenizers WeightKit reproduces; they differ on real text.
    public enum Normalization: String, Sendable, Equatable {
        /// transformers' `BasicTokenizer` (and google-research/bert's `tokenization.py`): control
        /// characters and U+0000 / U+FFFD removed, Unicode spaces split on, NFC, `lower()`, accents
        /// stripped through NFD, special tokens matched verbatim, words over 100 characters [UNK].
        case huggingFace = "transformers"
        /// tensorflow_text's `BertTokenizer`, which the TF-Hub preprocess SavedModels run: lower-casing
        /// is ICU's NFKC_Casefold (`CaseFoldUTF8`: `ß` → `ss`, `…` → `...`, default-ignorable code
        /// points removed), then NFD with nonspacing marks removed; `\p{Cc}`/`\p{Cf}` become
        /// spaces; words split on RE2's `\s` (`[\t\n\f\r ]`) and around punctuation and CJK
        /// characters; no special tokens in the text; words over 100 UTF-8 bytes [UNK].
        case tensorflowText = "tensorflow_text"
    }

    public let vocab: [String: Int]
    public let options: Options
    public var lowercase: Bool { options.lowercase }
    public let stripAccents: Bool
    public var maxInputCharsPerWord: Int { options.maxInputCharsPerWord }
    public var unk: String { options.unk }
    public var cls: String { options.cls }
    public var sep: String { options.sep }
    public var pad: String { options.pad }
    /// Special tokens present in the vocabulary, longest first (the longest match wins).
    let specials: [(text: String, scalars: [Unicode.Scalar])]
    let unkId: Int, clsId: Int, sepId: Int
    let trie: VocabularyTrie

    /// A vocabulary or configuration the tokenizer cannot use.
    public struct Problem: Error, Sendable, CustomStringConvertible { public var description: String }

    public init(vocab: [String: Int], options: Options = Options(), source: String = "the vocabulary") throws {
        self.vocab = vocab
        self.options = options
        self.stripAccents = options.stripAccents ?? options.lowercase
        for t in [options.unk, options.cls, options.sep] where vocab[t] == nil {
            throw Problem(description: "\(source): the vocabulary has no \(t)")
        }
        unkId = vocab[options.unk]!; clsId = vocab[options.cls]!; sepId = vocab[options.sep]!
        trie = VocabularyTrie(vocab: vocab, continuingSubwordPrefix: options.continuingSubwordPrefix)
        specials = Set(options.specialTokens).filter { !$0.isEmpty && vocab[$0] != nil }
            .sorted { ($0.unicodeScalars.count, $0) > ($1.unicodeScalars.count, $1) }
            .map { ($0, Array($0.unicodeScalars)) }
    }

    /// From a vocab.txt (one token per line, id = line number).
    public init(vocabFile: String, lowercase: Bool = true, stripAccents: Bool? = nil) throws {
        var options = Options()
        options.lowercase = lowercase
        options.stripAccents = stripAccents
        try self.init(vocab: try Self.readVocab(vocabFile), options: options, source: vocabFile)
    }

    /// vocab.txt as transformers' load_vocab reads it: id = line number, a repeated token keeps its last line.
    public static func readVocab(_ vocabFile: String) throws -> [String: Int] {
        guard let data = FileManager.default.contents(atPath: vocabFile) else {
            throw Problem(description: "\(vocabFile): cannot read the vocabulary")
        }
        var vocab: [String: Int] = [:]
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            vocab[line.hasSuffix("\r") ? String(line.dropLast()) : String(line)] = i
        }
        return vocab
    }

    // MARK: basic tokenisation

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        let c = s.properties.generalCategory
        return c == .control || c == .format
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    /// The text cut around the special tokens it contains, which are matched verbatim (before any
    /// normalisation) and kept whole, as transformers' added-token splitting does.
    func segments(_ text: String) -> [(text: String, special: Bool)] {
        guard !specials.isEmpty else { return [(text, false)] }
        let scalars = Array(text.unicodeScalars)
        var out: [(String, Bool)] = []
        var plainStart = 0
        var i = 0
        outer: while i < scalars.count {
            for sp in specials
            where sp.scalars.first == scalars[i] && scalars.count - i >= sp.scalars.count
                && scalars[i..<(i + sp.scalars.count)].elementsEqual(sp.scalars)
            {
                if plainStart < i { out.append((String(String.UnicodeScalarView(scalars[plainStart..<i])), false)) }
                out.append((sp.text, true))
                i += sp.scalars.count
                plainStart = i
                continue outer
            }
            i += 1
        }
        if plainStart < scalars.count { out.append((String(String.UnicodeScalarView(scalars[plainStart...])), false)) }
        return out
    }

    /// The basic tokens of a text (before WordPiece), special tokens kept whole.
    public func basicTokens(_ text: String) -> [String] {
        segments(text).flatMap { $0.special ? [$0.text] : plainBasicTokens($0.text) }
    }

    func plainBasicTokens(_ text: String) -> [String] {
        if options.normalization == .tensorflowText {
            return TensorFlowTextNormalizer.basicTokens(text, lowercase: lowercase)
        }
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if options.cleanText, s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { cleaned.append(" "); continue }
            if options.tokenizeChineseChars, Self.isCJK(s.value) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" "); continue
            }
            cleaned.append(s)
        }
        var out: [String] = []
        // Split on the space scalar (as Python's str.split), not on grapheme clusters.
        for word in cleaned.split(separator: " ", omittingEmptySubsequences: true) {
            appendNormalisedPieces(String(String.UnicodeScalarView(word))) { out.append(String($0)) }
        }
        return out.filter { !$0.isEmpty }
    }

    /// One whitespace-separated word: NFC (as transformers normalises the text), lower-casing
    /// and accent stripping as configured, then split so each punctuation character stands alone.
    func appendNormalisedPieces(_ word: String, _ emit: (String.UnicodeScalarView) -> Void) {
        // ASCII needs no Unicode normalisation (NFC, NFD and lower-casing are trivial there).
        let ascii = word.utf8.allSatisfy { $0 < 0x80 }
        var w = ascii ? word : word.precomposedStringWithCanonicalMapping
        if lowercase { w = w.lowercased() }
        if stripAccents && !ascii {
            var kept = String.UnicodeScalarView()
            for s in w.decomposedStringWithCanonicalMapping.unicodeScalars
            where s.properties.generalCategory != .nonspacingMark { kept.append(s) }
            w = String(kept)
        }
        var current = String.UnicodeScalarView()
        for s in w.unicodeScalars {
            if Self.isPunctuation(s) {
                if !current.isEmpty { emit(current); current = String.UnicodeScalarView() }
                emit(String.UnicodeScalarView([s]))
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { emit(current) }
    }

    // MARK: WordPiece

    public func wordPieces(_ word: String) -> [String] {
        if vocab[word] != nil, specials.contains(where: { $0.text == word }) { return [word] }
        let chars = Array(word.unicodeScalars)
        let length = options.normalization == .tensorflowText ? word.utf8.count : chars.count
        if length > maxInputCharsPerWord { return [unk] }
        var pieces: [String] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: String? = nil
            while start < end {
                var sub = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { sub = options.continuingSubwordPrefix + sub }
                if vocab[sub] != nil { found = sub; break }
                end -= 1
            }
            guard let piece = found else { return [unk] }
            pieces.append(piece)
            start = end
        }
        return pieces
    }

    public func tokenize(_ text: String) -> [String] { basicTokens(text).flatMap(wordPieces) }

    /// The ids of a text without building a String per token: ASCII words are cleaned,
    /// lower-cased and split on punctuation scalar by scalar; other words go through the
    /// Unicode path above; pieces come from the vocabulary trie. Same result as mapping
    /// `tokenize` through the vocabulary (the corpus tests hold it to Hugging Face's ids).
    func ids(_ text: String) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        for segment in segments(text) {
            if segment.special {
                out.append(vocab[segment.text] ?? unkId)
            } else {
                appendPlainIds(segment.text, into: &out)
            }
        }
        return out
    }

    private func appendPlainIds(_ text: String, into out: inout [Int]) {
        if options.normalization == .tensorflowText {
            for word in TensorFlowTextNormalizer.basicTokens(text, lowercase: lowercase) {
                if word.utf8.count > options.maxInputCharsPerWord {
                    out.append(unkId)
                    continue
                }
                let scalars = word.unicodeScalars.map(\.value)
                scalars.withUnsafeBufferPointer { trie.appendPieces($0, unk: unkId, into: &out) }
            }
            return
        }
        // Clean and mark word boundaries (0x20), CJK characters padded with spaces.
        var buf: [UInt32] = []
        buf.reserveCapacity(text.utf8.count + 2)
        let clean = options.cleanText, cjk = options.tokenizeChineseChars
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x80 {
                if v == 0x20 || v == 0x09 || v == 0x0A || v == 0x0D { buf.append(0x20); continue }
                if clean, v < 0x20 || v == 0x7F { continue }
                buf.append(v)
                continue
            }
            if clean, v == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { buf.append(0x20); continue }
            if cjk, Self.isCJK(v) { buf.append(0x20); buf.append(v); buf.append(0x20); continue }
            buf.append(v)
        }
        var piece: [UInt32] = []
        piece.reserveCapacity(64)
        func emit(_ p: UnsafeBufferPointer<UInt32>) {
            if p.count > options.maxInputCharsPerWord {
                out.append(unkId)
            } else {
                trie.appendPieces(p, unk: unkId, into: &out)
            }
        }
        func flush() {
            if !piece.isEmpty { piece.withUnsafeBufferPointer(emit); piece.removeAll(keepingCapacity: true) }
        }
        let lower = options.lowercase
        var i = 0
        let n = buf.count
        while i < n {
            while i < n, buf[i] == 0x20 { i += 1 }
            var j = i
            var ascii = true
            while j < n, buf[j] != 0x20 { if buf[j] >= 0x80 { ascii = false }; j += 1 }
            if i == j { break }
            if ascii {
                for k in i..<j {
                    var c = buf[k]
                    if lower, c >= 0x41, c <= 0x5A { c += 0x20 }
                    if (33...47).contains(c) || (58...64).contains(c) || (91...96).contains(c)
                        || (123...126).contains(c)
                    {
                        flush()
                        withUnsafePointer(to: c) { emit(UnsafeBufferPointer(start: $0, count: 1)) }
                    } else {
                        piece.append(c)
                    }
                }
                flush()
            } else {
                var word = String.UnicodeScalarView()
                for k in i..<j { word.append(Unicode.Scalar(buf[k])!) }
                appendNormalisedPieces(String(word)) { p in
                    piece.removeAll(keepingCapacity: true)
                    for s in p { piece.append(s.value) }
                    flush()
                }
            }
            i = j
        }
    }

    /// `[CLS] tokens [SEP]` ids, truncated to `maxLength`.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        [clsId] + ids(text).prefix(max(0, maxLength - 2)) + [sepId]
    }

    /// Model inputs for one sequence or a sentence pair.
    public struct Encoding: Sendable, Equatable {
        public var inputIds: [Int]
        public var tokenTypeIds: [Int]
        public var attentionMask: [Int]
        public init(inputIds: [Int], tokenTypeIds: [Int], attentionMask: [Int]) {
            (self.inputIds, self.tokenTypeIds, self.attentionMask) = (inputIds, tokenTypeIds, attentionMask)
        }
    }

    /// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` (token type 1 for b), truncated to `maxLength`
    /// the way transformers' "longest_first" strategy does it (tensorflow_text's `BertPackInputs`:
    /// round robin), and padded to `padTo` if given.
    public func encode(_ a: String, pair b: String? = nil, maxLength: Int = 512, padTo: Int? = nil) -> Encoding {
        var x = ids(a)
        var y = b.map(ids)
        let special = y == nil ? 2 : 3
        let excess = x.count + (y?.count ?? 0) + special - maxLength
        if excess > 0, options.normalization == .tensorflowText, let yy = y {
            // BertPackInputs' RoundRobinTrimmer: one token to each segment in turn, the first first.
            let budget = maxLength - special
            let keepX = min(x.count, max(budget - yy.count, (budget + 1) / 2))
            x.removeLast(x.count - keepX)
            y = Array(yy.prefix(budget - keepX))
        } else if excess > 0 {
            if var yy = y {
                // transformers: first even out the longer one, then take the rest half and half.
                let first = min(abs(yy.count - x.count), excess), second = excess - first
                let (fromX, fromY) =
                    x.count > yy.count
                    ? (first + second / 2, second - second / 2) : (second / 2, first + second - second / 2)
                x.removeLast(min(fromX, x.count))
                yy.removeLast(min(fromY, yy.count))
                y = yy
            } else {
                x.removeLast(min(excess, x.count))
            }
        }
        var inputIds = [clsId] + x + [sepId]
        var types = [Int](repeating: 0, count: inputIds.count)
        if let y {
            inputIds += y + [sepId]
            types += [Int](repeating: 1, count: y.count + 1)
        }
        var mask = [Int](repeating: 1, count: inputIds.count)
        if let padTo, padTo > inputIds.count {
            let n = padTo - inputIds.count
            inputIds += [Int](repeating: vocab[pad] ?? 0, count: n)
            types += [Int](repeating: 0, count: n)
            mask += [Int](repeating: 0, count: n)
        }
        return Encoding(inputIds: inputIds, tokenTypeIds: types, attentionMask: mask)
    }

    /// A batch padded to its longest member (or to `padTo`).
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int = 512, padTo: Int? = nil)
        -> [Encoding]
    {
        let unpadded = texts.indices.map { encode(texts[$0], pair: pairs?[$0], maxLength: maxLength) }
        let target = padTo ?? unpadded.map(\.inputIds.count).max() ?? 0
        return texts.indices.map { encode(texts[$0], pair: pairs?[$0], maxLength: maxLength, padTo: target) }
    }
}
