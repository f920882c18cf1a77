import Foundation

/// BERT's tokenizer as Hugging Face's BertTokenizer implements it: basic tokenisation (clean
/// control characters, CJK characters as their own tokens, NFC, whitespace split, lower-casing
/// and NFD accent stripping for uncased models, punctuation split), then greedy longest-match
/// WordPiece with `##` continuations, `[UNK]` for words over 100 characters or with no match.
public struct WordPieceTokenizer: Sendable {
    public let vocab: [String: Int]
    public let lowercase: Bool
    public let stripAccents: Bool
    public let maxInputCharsPerWord = 100
    public let unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]"

    public struct Problem: Error, Sendable, CustomStringConvertible { public var description: String }

    /// From a vocab.txt (one token per line, id = line number).
    public init(vocabFile: String, lowercase: Bool = true, stripAccents: Bool? = nil) throws {
        guard let data = FileManager.default.contents(atPath: vocabFile) else { throw Problem(description: "\(vocabFile): cannot read the vocabulary") }
        // As transformers' load_vocab: id = line number, a repeated token keeps its last line.
        var vocab: [String: Int] = [:]
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            vocab[line.hasSuffix("\r") ? String(line.dropLast()) : String(line)] = i
        }
        self.vocab = vocab
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        for t in [unk, cls, sep] where vocab[t] == nil { throw Problem(description: "\(vocabFile): the vocabulary has no \(t)") }
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
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    /// The basic tokens of a text (before WordPiece).
    public func basicTokens(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { cleaned.append(" "); continue }
            if Self.isCJK(s.value) { cleaned.append(" "); cleaned.append(s); cleaned.append(" "); continue }
            cleaned.append(s)
        }
        // ASCII text needs no Unicode normalisation (NFC, NFD and lower-casing are trivial there).
        let ascii = String(cleaned).utf8.allSatisfy { $0 < 0x80 }
        let normalised = ascii ? String(cleaned) : String(cleaned).precomposedStringWithCanonicalMapping  // NFC, as transformers does
        var out: [String] = []
        for word in normalised.split(separator: " ", omittingEmptySubsequences: true) {
            var w = String(word)
            if lowercase { w = w.lowercased() }
            if stripAccents && !ascii {
                var kept = String.UnicodeScalarView()
                for s in w.decomposedStringWithCanonicalMapping.unicodeScalars where s.properties.generalCategory != .nonspacingMark { kept.append(s) }
                w = String(kept)
            }
            // Split on punctuation: each punctuation character its own token.
            var current = String.UnicodeScalarView()
            for s in w.unicodeScalars {
                if Self.isPunctuation(s) {
                    if !current.isEmpty { out.append(String(current)); current = String.UnicodeScalarView() }
                    out.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { out.append(String(current)) }
        }
        return out.filter { !$0.isEmpty }
    }

    // MARK: WordPiece

    public func wordPieces(_ word: String) -> [String] {
        let chars = Array(word.unicodeScalars)
        if chars.count > maxInputCharsPerWord { return [unk] }
        var pieces: [String] = []
        var start = 0
        while start < chars.count {
            var end = chars.count
            var found: String? = nil
            while start < end {
                var sub = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { sub = "##" + sub }
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

    func ids(_ text: String) -> [Int] { tokenize(text).map { vocab[$0] ?? vocab[unk]! } }

    /// `[CLS] tokens [SEP]` ids, truncated to `maxLength`.
    public func encode(_ text: String, maxLength: Int = 512) -> [Int] {
        [vocab[cls]!] + ids(text).prefix(max(0, maxLength - 2)) + [vocab[sep]!]
    }

    /// Model inputs for one sequence or a sentence pair.
    public struct Encoding: Sendable, Equatable {
        public var inputIds: [Int]
        public var tokenTypeIds: [Int]
        public var attentionMask: [Int]
    }

    /// `[CLS] a [SEP]` or `[CLS] a [SEP] b [SEP]` (token type 1 for b), truncated to `maxLength`
    /// the way transformers' "longest_first" strategy does it, and padded to `padTo` if given.
    public func encode(_ a: String, pair b: String? = nil, maxLength: Int = 512, padTo: Int? = nil) -> Encoding {
        var x = ids(a)
        var y = b.map(ids)
        let special = y == nil ? 2 : 3
        let excess = x.count + (y?.count ?? 0) + special - maxLength
        if excess > 0 {
            if var yy = y {
                // transformers: first even out the longer one, then take the rest half and half.
                let first = min(abs(yy.count - x.count), excess), second = excess - first
                let (fromX, fromY) = x.count > yy.count ? (first + second / 2, second - second / 2) : (second / 2, first + second - second / 2)
                x.removeLast(min(fromX, x.count))
                yy.removeLast(min(fromY, yy.count))
                y = yy
            } else {
                x.removeLast(min(excess, x.count))
            }
        }
        var inputIds = [vocab[cls]!] + x + [vocab[sep]!]
        var types = [Int](repeating: 0, count: inputIds.count)
        if let y {
            inputIds += y + [vocab[sep]!]
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
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int = 512, padTo: Int? = nil) -> [Encoding] {
        let unpadded = texts.indices.map { encode(texts[$0], pair: pairs?[$0], maxLength: maxLength) }
        let target = padTo ?? unpadded.map(\.inputIds.count).max() ?? 0
        return texts.indices.map { encode(texts[$0], pair: pairs?[$0], maxLength: maxLength, padTo: target) }
    }
}
