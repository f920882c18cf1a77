import Foundation
import WeightKitCheckpoints

/// GPT-2's byte-level BPE as RoBERTa uses it (Hugging Face `tokenizers`' `ByteLevel`
/// pre-tokenizer with `use_regex`, a `BPE` model without dropout or unknown token, and
/// `RobertaProcessing`): special tokens are cut out of the text first; the rest is split by GPT-2's
/// pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`; each
/// piece's UTF-8 bytes are written as GPT-2's printable stand-ins (bytes 33–126, 161–172 and
/// 174–255 as themselves, the others as U+0100 onwards in byte order) and merged pair by pair,
/// lowest merge rank first; a sequence is `<s> … </s>`, a pair `<s> A </s></s> B </s>`.
public struct ByteLevelBPETokenizer: Sendable {
    public let vocab: [String: Int]
    /// Merge ranks: "a b" → its line in merges.txt (0 first).
    let ranks: [String: Int]
    public let merges: [(String, String)]
    public let bos: String, eos: String, pad: String
    /// Tokens matched verbatim in the text (the special / added tokens), longest first.
    public let specialTokens: [String]
    public let addPrefixSpace: Bool
    /// Where it was read from, for the commands' output.
    public var source = "the vocabulary"

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(
        vocab: [String: Int], merges: [(String, String)],
        specialTokens: [String] = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        bos: String = "<s>", eos: String = "</s>", pad: String = "<pad>", addPrefixSpace: Bool = false
    ) throws {
        for t in [bos, eos, pad] where vocab[t] == nil {
            throw Problem(description: "the vocabulary has no \(t) token")
        }
        self.vocab = vocab
        self.merges = merges
        var ranks: [String: Int] = [:]
        for (i, m) in merges.enumerated() where ranks[m.0 + " " + m.1] == nil { ranks[m.0 + " " + m.1] = i }
        self.ranks = ranks
        (self.bos, self.eos, self.pad, self.addPrefixSpace) = (bos, eos, pad, addPrefixSpace)
        self.specialTokens = specialTokens.filter { !$0.isEmpty && vocab[$0] != nil }.sorted {
            $0.utf8.count > $1.utf8.count
        }
    }

    /// From a model directory: `tokenizer.json` (a BPE model with a ByteLevel pre-tokenizer) when
    /// present, else `vocab.json` + `merges.txt` with `tokenizer_config.json`'s `add_prefix_space`.
    public static func load(directory: String) throws -> ByteLevelBPETokenizer {
        let tj = FileSystem.join(directory, "tokenizer.json")
        if FileSystem.exists(tj) {
            var t = try load(tokenizerJSON: tj)
            t.source = "\(tj) (byte-level BPE: vocabulary, merges, special tokens)"
            return t
        }
        let vj = FileSystem.join(directory, "vocab.json"), mt = FileSystem.join(directory, "merges.txt")
        guard FileSystem.exists(vj), FileSystem.exists(mt) else {
            throw Problem(description: "\(directory): no tokenizer.json, or vocab.json and merges.txt")
        }
        let vocab = try readVocab(try FileSystem.readJSON(vj, limit: 256 << 20), file: vj)
        guard let data = FileManager.default.contents(atPath: mt) else {
            throw Problem(description: "\(mt): cannot read the merges")
        }
        var merges: [(String, String)] = []
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
            if n == 0, line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw Problem(description: "\(mt): line \(n + 1) is not two symbols") }
            merges.append((String(parts[0]), String(parts[1])))
        }
        let config = FileSystem.join(directory, "tokenizer_config.json")
        let prefix = FileSystem.exists(config) ? (try FileSystem.readJSON(config))["add_prefix_space"]?.boolValue : nil
        var t = try ByteLevelBPETokenizer(vocab: vocab, merges: merges, addPrefixSpace: prefix ?? false)
        t.source = "\(vj) and \(mt) (byte-level BPE)"
        return t
    }

    /// A fast-tokenizer file with a BPE model and a ByteLevel pre-tokenizer (anything else refused
    /// by name); `parsed`: the file's JSON, when the caller has parsed it already.
    public static func load(tokenizerJSON path: String, parsed: JSONValue? = nil) throws -> ByteLevelBPETokenizer {
        let root = try parsed ?? FileSystem.readJSON(path, limit: 256 << 20)
        func fail(_ d: String) -> Problem { Problem(description: "\(path): \(d)") }
        guard case .object(let model)? = root["model"], model["type"]?.stringValue == "BPE" else {
            throw fail("the tokenizer model is \(root["model"]?["type"]?.stringValue ?? "untyped"), not BPE")
        }
        guard root["pre_tokenizer"]?["type"]?.stringValue == "ByteLevel" else {
            throw fail(
                "the pre-tokenizer is \(root["pre_tokenizer"]?["type"]?.stringValue ?? "none"), not ByteLevel (GPT-2 / RoBERTa)"
            )
        }
        if let n = root["normalizer"], n != .null {
            throw fail("a normalizer (\(n["type"]?.stringValue ?? "?")) is not supported")
        }
        if model["dropout"]?.doubleValue.map({ $0 > 0 }) == true { throw fail("BPE dropout is not deterministic") }
        guard case .object? = model["vocab"] else { throw fail("model.vocab is not an object") }
        var vocab = try readVocab(model["vocab"]!, file: path)
        var merges: [(String, String)] = []
        for (i, m) in (model["merges"]?.arrayValue ?? []).enumerated() {
            if let pair = m.arrayValue, pair.count == 2, let a = pair[0].stringValue, let b = pair[1].stringValue {
                merges.append((a, b))
            } else if let s = m.stringValue, case let parts = s.split(separator: " "), parts.count == 2 {
                merges.append((String(parts[0]), String(parts[1])))
            } else {
                throw fail("model.merges[\(i)] is not a pair of symbols")
            }
        }
        var specials: [String] = []
        for t in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = t["content"]?.stringValue, let id = t["id"]?.intValue else { continue }
            if vocab[content] == nil { vocab[content] = id }
            specials.append(content)
        }
        var bos = "<s>", eos = "</s>"
        if root["post_processor"]?["type"]?.stringValue == "RobertaProcessing" {
            if let c = root["post_processor"]?["cls"]?.arrayValue?.first?.stringValue { bos = c }
            if let s = root["post_processor"]?["sep"]?.arrayValue?.first?.stringValue { eos = s }
        }
        let pad = root["padding"]?["pad_token"]?.stringValue ?? "<pad>"
        return try ByteLevelBPETokenizer(
            vocab: vocab, merges: merges, specialTokens: specials, bos: bos, eos: eos,
            pad: vocab[pad] != nil ? pad : eos,
            addPrefixSpace: root["pre_tokenizer"]?["add_prefix_space"]?.boolValue ?? false)
    }

    static func readVocab(_ json: JSONValue, file: String) throws -> [String: Int] {
        guard case .object(let v) = json else { throw Problem(description: "\(file): the vocabulary is not an object") }
        var vocab: [String: Int] = [:]
        vocab.reserveCapacity(v.count)
        for (token, id) in v.entries {
            guard let i = id.intValue, i >= 0 else { throw Problem(description: "\(file): '\(token)' has no token id") }
            vocab[token] = i
        }
        return vocab
    }

    // MARK: the byte alphabet

    /// Byte → its printable stand-in (GPT-2's bytes_to_unicode).
    public static let byteToUnicode: [Unicode.Scalar] = {
        var map = [Unicode.Scalar?](repeating: nil, count: 256)
        for b in 0..<256 where (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
            map[b] = Unicode.Scalar(UInt32(b))
        }
        var next: UInt32 = 256
        for b in 0..<256 where map[b] == nil {
            map[b] = Unicode.Scalar(next)
            next += 1
        }
        return map.map { $0! }
    }()

    // MARK: pre-tokenisation (GPT-2's pattern, by hand)

    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// The pieces GPT-2's pattern cuts `text` into (leftmost match, alternatives in order).
    public static func pretokenize(_ text: String) -> [String] {
        let u = Array(text.unicodeScalars)
        var pieces: [String] = []
        var i = 0
        func run(from j: Int, while p: (Unicode.Scalar) -> Bool) -> Int {
            var k = j
            while k < u.count, p(u[k]) { k += 1 }
            return k
        }
        while i < u.count {
            var end = i
            // 's 't 're 've 'm 'll 'd
            if u[i] == "'" {
                for c in ["s", "t", "re", "ve", "m", "ll", "d"] {
                    let cs = Array(c.unicodeScalars)
                    if i + cs.count < u.count, Array(u[(i + 1)...(i + cs.count)]) == cs {
                        end = i + 1 + cs.count
                        break
                    }
                }
            }
            if end == i {
                let start = u[i] == " " && i + 1 < u.count ? i + 1 : i
                let classes: [(Unicode.Scalar) -> Bool] = [
                    isLetter, isNumber, { !isSpace($0) && !isLetter($0) && !isNumber($0) },
                ]
                for p in classes {
                    // ` ?X+`: with the space when one precedes a run, else the run alone.
                    if start > i, p(u[start]) { end = run(from: start, while: p); break }
                    if p(u[i]) { end = run(from: i, while: p); break }
                }
            }
            if end == i {
                // Whitespace: `\s+(?!\S)` (leave the last space before a non-space), else `\s+`.
                let k = run(from: i, while: isSpace)
                if k == u.count || k - i == 1 {
                    end = k
                } else {
                    end = k - 1
                }
                if end == i { end = i + 1 }  // cannot happen: every scalar is space or not
            }
            var s = String.UnicodeScalarView()
            s.append(contentsOf: u[i..<end])
            pieces.append(String(s))
            i = end
        }
        return pieces
    }

    // MARK: BPE

    /// The BPE symbols of one pre-token (its bytes as stand-ins, merged by rank).
    public func bpe(_ piece: String) -> [String] {
        var symbols = piece.utf8.map { String(Character(Self.byteToUnicode[Int($0)])) }
        while symbols.count > 1 {
            var best = Int.max, at = -1
            for j in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[j] + " " + symbols[j + 1]], r < best { (best, at) = (r, j) }
            }
            guard at >= 0 else { break }
            let (a, b) = merges[best]
            // Merge every occurrence of the best pair, left to right (as the reference does).
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var j = 0
            while j < symbols.count {
                if j + 1 < symbols.count, symbols[j] == a, symbols[j + 1] == b {
                    merged.append(a + b); j += 2
                } else {
                    merged.append(symbols[j]); j += 1
                }
            }
            symbols = merged
        }
        return symbols
    }

    /// Token ids of `text` without `<s>` / `</s>`: special tokens verbatim, the rest byte-level BPE.
    public func tokenIds(_ text: String) -> [Int] {
        var ids: [Int] = []
        for (segment, isSpecial) in splitOnSpecialTokens(text) {
            if isSpecial { ids.append(vocab[segment]!); continue }
            var s = segment
            if addPrefixSpace, let f = s.unicodeScalars.first, !Self.isSpace(f) { s = " " + s }
            for piece in Self.pretokenize(s) {
                for symbol in bpe(piece) {
                    // Every byte's stand-in is in a byte-level vocabulary; a pruned one has no unknown token.
                    if let id = vocab[symbol] { ids.append(id) }
                }
            }
        }
        return ids
    }

    /// `<s> text </s>` (or `<s> A </s></s> B </s>`), truncated to `maxLength` (the pair's longer side first).
    public func encode(_ text: String, pair: String? = nil, maxLength: Int = 512) -> [Int] {
        var a = tokenIds(text), b = pair.map(tokenIds)
        let room = maxLength - (b == nil ? 2 : 4)
        while a.count + (b?.count ?? 0) > max(0, room) {
            if let bb = b, bb.count > a.count { b!.removeLast() } else if !a.isEmpty { a.removeLast() } else { break }
        }
        let s = vocab[bos]!, e = vocab[eos]!
        return [s] + a + [e] + (b.map { [e] + $0 + [e] } ?? [])
    }

    /// A batch as the model takes it, padded with `<pad>` to its longest member (or `padTo`):
    /// attention mask 1 on the tokens, token types 0 (RoBERTa has one type).
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int = 512, padTo: Int? = nil)
        -> [WordPieceTokenizer.Encoding]
    {
        let rows = texts.indices.map { encode(texts[$0], pair: pairs?[$0], maxLength: maxLength) }
        let width = max(padTo ?? 0, rows.map(\.count).max() ?? 0)
        let p = vocab[pad]!
        return rows.map { r in
            WordPieceTokenizer.Encoding(
                inputIds: r + [Int](repeating: p, count: width - r.count),
                tokenTypeIds: [Int](repeating: 0, count: width),
                attentionMask: [Int](repeating: 1, count: r.count) + [Int](repeating: 0, count: width - r.count))
        }
    }

    /// The text cut around the special tokens (longest match first at each position, scalar by
    /// scalar: a combining mark after a token does not hide it, as in the reference).
    func splitOnSpecialTokens(_ text: String) -> [(String, Bool)] {
        guard !specialTokens.isEmpty else { return [(text, false)] }
        let u = Array(text.unicodeScalars)
        let tokens = specialTokens.map { Array($0.unicodeScalars) }
        var out: [(String, Bool)] = []
        var plainStart = 0, i = 0
        func flush(_ end: Int) {
            guard end > plainStart else { return }
            var v = String.UnicodeScalarView()
            v.append(contentsOf: u[plainStart..<end])
            out.append((String(v), false))
        }
        outer: while i < u.count {
            for (t, ts) in zip(specialTokens, tokens)
            where i + ts.count <= u.count && Array(u[i..<(i + ts.count)]) == ts {
                flush(i)
                out.append((t, true))
                i += ts.count
                plainStart = i
                continue outer
            }
            i += 1
        }
        flush(u.count)
        return out
    }
}

/// A checkpoint that carries a byte-level BPE tokenizer of its own (a RoBERTa GGUF's
/// `tokenizer.ggml.tokens` and `merges`); nil when the one it carries is of another kind.
public protocol EmbeddedByteLevelBPE {
    func byteLevelBPE() throws -> ByteLevelBPETokenizer?
}

extension ByteLevelBPETokenizer {
    /// The checkpoint's own byte-level BPE when it carries one, else the files in `directory`.
    public static func load(for checkpoint: any Checkpoint, directory: String) throws -> ByteLevelBPETokenizer {
        if let e = checkpoint as? any EmbeddedByteLevelBPE, let t = try e.byteLevelBPE() { return t }
        return try load(directory: directory)
    }
}
