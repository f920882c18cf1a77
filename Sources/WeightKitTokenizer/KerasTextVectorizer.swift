import Foundation
import WeightKitCheckpoints

/// Keras' `TextVectorization` layer (`output_mode="int"`), reproduced from its saved config and
/// vocabulary as Keras 3 and tf_keras compute it with TensorFlow's string ops
/// (keras/src/layers/preprocessing/text_vectorization.py `_preprocess`):
///
/// - `lower`: `tf.strings.lower` without an encoding — ASCII letters only (`CAFÉ` → `cafÉ`);
/// - `strip_punctuation`: `regex_replace` of Python's `string.punctuation` (ASCII only: `don’t`,
///   `“ ”`, `—` and `…` stay);
/// - `whitespace` split: `tf.strings.split` — runs of ASCII whitespace (space, `\t \n \v \f \r`),
///   leading and trailing ones dropped; NBSP, U+3000 and U+2028 are not whitespace here;
///   `character`: one token per code point; none: the whole string;
/// - `ngrams`: n-grams of widths 1…n (or the widths listed), joined by a space, width by width;
/// - lookup: the vocabulary's index (0 is padding, 1 `[UNK]`: one OOV index);
/// - `output_sequence_length`: truncated and padded with 0 at the end (unsplit, as the model's
///   `[batch, 1]` string input is: one id, then padding).
///
/// NFC and NFD spellings stay different tokens, as in TensorFlow (no normalisation is applied).
public struct KerasTextVectorizer: Sendable {
    public enum Standardize: String, Sendable {
        case lowerAndStripPunctuation = "lower_and_strip_punctuation", lower, stripPunctuation = "strip_punctuation",
            none
    }
    public enum Split: String, Sendable { case whitespace, character, none }

    public var standardize: Standardize
    public var split: Split
    /// n-gram widths (empty: single tokens).
    public var ngramWidths: [Int]
    public var outputSequenceLength: Int?
    public var maxTokens: Int?
    /// Index → token, as `get_vocabulary()` returns it ("" and "[UNK]" first).
    public let vocabulary: [String]

    /// A vectorizer config WeightKit cannot reproduce (a custom callable, another output mode).
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// From the layer's Keras config (`standardize`, `split`, `ngrams`, `output_mode`,
    /// `output_sequence_length`, `max_tokens`) and its vocabulary, `source` naming where they came from.
    public init(config: JSONValue, vocabulary: [String], source: String) throws {
        func fail(_ d: String) -> Problem { Problem(description: "\(source): TextVectorization \(d)") }
        func mode<T: RawRepresentable>(_ key: String, _ none: T) throws -> T where T.RawValue == String {
            switch config[key] {
            case nil, .null?: return none
            case .string(let s)?:
                guard let m = T(rawValue: s) else { throw fail("\(key) '\(s)' is not one Keras defines") }
                return m
            case let v?:
                let what = v["class_name"]?.stringValue ?? v["config"]?.stringValue ?? v.serialized()
                throw fail(
                    "\(key) is a custom callable (\(what)): WeightKit cannot run Python code, so it cannot reproduce it"
                )
            }
        }
        standardize = try mode("standardize", Standardize.none)
        split = try mode("split", Split.none)
        if let m = config["output_mode"]?.stringValue, m != "int" {
            throw fail("output_mode '\(m)': only 'int' (token ids) feeds a sequence model")
        }
        switch config["ngrams"] {
        case nil, .null?: ngramWidths = []
        case .array(let a)?: ngramWidths = a.compactMap { $0.intValue }
        case let v? where v.intValue != nil: ngramWidths = Array(1...max(1, v.intValue ?? 1))
        case let v?: throw fail("ngrams \(v.serialized()) is not an integer or a list of them")
        }
        outputSequenceLength = config["output_sequence_length"]?.intValue
        maxTokens = config["max_tokens"]?.intValue
        guard vocabulary.count >= 2 else {
            throw fail("vocabulary of \(vocabulary.count) entries (padding and [UNK] come first)")
        }
        if let maxTokens, vocabulary.count > maxTokens {
            throw fail("vocabulary of \(vocabulary.count) tokens, over max_tokens \(maxTokens)")
        }
        self.vocabulary = vocabulary
        table = ByteTable(vocabulary)
        classes = Self.byteClasses(standardize)
    }

    /// The byte path's class of each byte value (`byteClasses`).
    private let classes: [UInt16]

    /// The vocabulary as an open-addressing hash table over UTF-8 bytes, for both paths: keyed by
    /// bytes because TensorFlow compares bytes, and Swift's String equality would make NFC and
    /// NFD spellings (`café`, `cafe\u{301}`) one token where Keras has two.
    private let table: ByteTable

    /// Whether the byte path applies: Keras' standardisation and whitespace split are ASCII-only
    /// byte operations (UTF-8 bytes ≥ 0x80 are never lowered, stripped or split on), so the
    /// tokens can be cut from the bytes with no decoding. Character split and n-grams cannot.
    private var bytePath: Bool { split == .whitespace && ngramWidths.isEmpty }

    /// The vectorizer as a graph-ready `.wkc` carries it in its model section: the settings (Keras'
    /// config keys) and the vocabulary, index by index.
    public var json: JSONValue {
        .object([
            "config": .object([
                "standardize": standardize == .none ? .null : .string(standardize.rawValue),
                "split": split == .none ? .null : .string(split.rawValue),
                "ngrams": ngramWidths.isEmpty ? .null : .array(ngramWidths.map { .int($0) }),
                "output_sequence_length": outputSequenceLength.map { .int($0) } ?? .null,
                "max_tokens": maxTokens.map { .int($0) } ?? .null, "output_mode": .string("int"),
            ]),
            "vocabulary": .array(vocabulary.map { .string($0) }),
        ])
    }

    /// From `json`'s form.
    public init(json: JSONValue, source: String) throws {
        guard let config = json["config"], case .array(let words)? = json["vocabulary"] else {
            throw Problem(description: "\(source): a text_vectorization section needs config and vocabulary")
        }
        try self.init(config: config, vocabulary: words.compactMap(\.stringValue), source: source)
    }

    /// A `vocabulary.txt` as Keras writes it (one token per line; the first line is the empty padding token).
    public static func readVocabulary(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A vocabulary file given by the user (`--vocabulary`), in `readVocabulary`'s form.
    public static func readVocabulary(file: String) throws -> [String] {
        guard let f = try? MappedFile(path: file), f.size < 1 << 30 else {
            throw Problem(description: "\(file): cannot read the vocabulary file")
        }
        return readVocabulary(String(decoding: f.bytes, as: UTF8.self))
    }

    /// The standardised text's tokens (before lookup).
    public func tokens(_ text: String) -> [String] {
        var s = text
        let lower = standardize == .lower || standardize == .lowerAndStripPunctuation
        let strip = standardize == .stripPunctuation || standardize == .lowerAndStripPunctuation
        if lower || strip {
            var kept = String.UnicodeScalarView()
            for u in s.unicodeScalars where !(strip && Self.isASCIIPunctuation(u)) {
                kept.append(lower && u.value >= 65 && u.value <= 90 ? Unicode.Scalar(u.value + 32)! : u)
            }
            s = String(kept)
        }
        var out: [String]
        switch split {
        case .whitespace:
            out = s.unicodeScalars.split(whereSeparator: Self.isASCIISpace).map { String(String.UnicodeScalarView($0)) }
        case .character: out = s.unicodeScalars.map { String($0) }
        case .none: out = [s]
        }
        guard !ngramWidths.isEmpty else { return out }
        var grams: [String] = []
        for w in ngramWidths where w >= 1 && out.count >= w {
            for i in 0...(out.count - w) { grams.append(out[i..<(i + w)].joined(separator: " ")) }
        }
        return grams
    }

    /// The ids Keras gives the text: looked up, truncated and padded to `output_sequence_length`.
    public func ids(_ text: String) -> [Int] {
        if bytePath,
            let fast = text.utf8.withContiguousStorageIfAvailable({ self.ids(utf8: UnsafeRawBufferPointer($0)) })
        {
            return fast
        }
        var ids = tokens(text).map { token in Array(token.utf8).withUnsafeBufferPointer { table.id($0) } }
        if let n = outputSequenceLength {
            if ids.count > n { ids.removeLast(ids.count - n) }
            ids += [Int](repeating: 0, count: n - ids.count)
        }
        return ids
    }

    /// The byte path: one pass over the UTF-8 bytes — ASCII letters lowered, ASCII punctuation
    /// dropped, ASCII whitespace ending a token — each token looked up in the byte table.
    public func ids(utf8 text: UnsafeRawBufferPointer) -> [Int] {
        let n = outputSequenceLength ?? (text.count / 2 + 1)
        var row = [Int32](repeating: 0, count: n)
        let count = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(text.count, 1)) { scratch in
            row.withUnsafeMutableBufferPointer { vectorize(text, into: $0, scratch: scratch) }
        }
        return (outputSequenceLength == nil ? row.prefix(count) : row[...]).map(Int.init)
    }

    /// Many texts at once, into one row-major `[texts.count, output_sequence_length]` matrix of
    /// ids (what the model takes): no allocation per line. Needs `output_sequence_length`.
    public func ids(batch texts: [String]) -> [Int32]? {
        guard let n = outputSequenceLength, bytePath else { return nil }
        var out = [Int32](repeating: 0, count: texts.count * n)
        // Large batches in one chunk per core (the lines are independent).
        let chunks = texts.count >= 4096 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        out.withUnsafeMutableBufferPointer { all in
            // Each chunk writes its own rows of the one matrix (passed as an address: the rows are disjoint).
            let address = UInt(bitPattern: all.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let base = UnsafeMutablePointer<Int32>(bitPattern: address)!
                let range = (texts.count * c / chunks)..<(texts.count * (c + 1) / chunks)
                let longest = texts[range].reduce(1) { max($0, $1.utf8.count) }
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: longest) { scratch in
                    for i in range {
                        let row = UnsafeMutableBufferPointer(start: base + i * n, count: n)
                        let done = texts[i].utf8.withContiguousStorageIfAvailable {
                            vectorize(UnsafeRawBufferPointer($0), into: row, scratch: scratch)
                        }
                        if done == nil {  // a bridged string: its bytes copied once
                            var copy = texts[i]
                            copy.withUTF8 { _ = vectorize(UnsafeRawBufferPointer($0), into: row, scratch: scratch) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Byte classes for the byte path: 1 whitespace, 2 stripped punctuation, else the byte as
    /// standardised (+ 256 so that 0 is never a class).
    private static func byteClasses(_ standardize: Standardize) -> [UInt16] {
        let lower = standardize == .lower || standardize == .lowerAndStripPunctuation
        let strip = standardize == .stripPunctuation || standardize == .lowerAndStripPunctuation
        return (0..<256).map { b -> UInt16 in
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return 1 }
            if strip, b < 0x80, asciiPunctuation[b] { return 2 }
            return UInt16(256 + (lower && b >= 0x41 && b <= 0x5A ? b + 0x20 : b))
        }
    }

    /// One text's ids into `row` (its length the sequence length); returns how many tokens were written.
    private func vectorize(
        _ text: UnsafeRawBufferPointer, into row: UnsafeMutableBufferPointer<Int32>,
        scratch: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        classes.withUnsafeBufferPointer { map in
            table.withLookup { lookup in
                let out = row.baseAddress!, limit = row.count, buffer = scratch.baseAddress!
                var written = 0, n = 0
                var h = ByteTable.seed
                for b in text {
                    let c = map[Int(b)]
                    if c == 1 {
                        if n > 0 {
                            if written < limit { out[written] = lookup.id(buffer, n, h) }
                            written += 1
                            n = 0
                            h = ByteTable.seed
                        }
                    } else if c != 2 {
                        let x = UInt8(truncatingIfNeeded: c)
                        buffer[n] = x
                        n += 1
                        h = (h ^ UInt64(x)) &* ByteTable.prime
                    }
                }
                if n > 0 {
                    if written < limit { out[written] = lookup.id(buffer, n, h) }
                    written += 1
                }
                return min(written, limit)
            }
        }
    }

    private static let asciiPunctuation: [Bool] = (0..<128).map { isASCIIPunctuation(Unicode.Scalar(UInt8($0))) }

    /// `string.punctuation`: ``!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~``.
    static func isASCIIPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v)
    }

    /// `absl::ascii_isspace`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
    static func isASCIISpace(_ s: Unicode.Scalar) -> Bool { s == " " || (9...13).contains(s.value) }

    /// One line for `inspect` and `run`: the settings and the vocabulary size.
    public var summary: String {
        "TextVectorization: standardize \(standardize.rawValue), split \(split.rawValue)"
            + (ngramWidths.isEmpty ? "" : ", ngrams \(ngramWidths)")
            + ", \(vocabulary.count) tokens" + (maxTokens.map { " (max_tokens \($0))" } ?? "")
            + (outputSequenceLength.map { ", output_sequence_length \($0)" } ?? "")
    }
}

/// Tokens → ids over their UTF-8 bytes: FNV-1a hashes, linear probing, the keys in one arena. A
/// missing token is 1 (`[UNK]`); the first of duplicate tokens wins, as in Keras' lookup.
struct ByteTable: Sendable {
    private var slots: [Int32]  // -1 empty, else the vocabulary index
    private var starts: [Int] = [], lengths: [Int] = []
    private var arena: [UInt8] = []
    private let mask: Int

    init(_ vocabulary: [String]) {
        var capacity = 16
        while capacity < vocabulary.count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (i, t) in vocabulary.enumerated() {
            starts.append(arena.count)
            lengths.append(t.utf8.count)
            arena += t.utf8
            // Index 0 is the mask: an empty string (unsplit) is padding, as in Keras' lookup; index 1,
            // the OOV token, is what every missing token gets anyway.
            guard i >= 2 || (i == 0 && t.isEmpty) else { continue }
            let key = Array(t.utf8)
            var h = Self.slot(key.withUnsafeBufferPointer { Self.hash($0) }) & mask
            while slots[h] >= 0 {
                if key.withUnsafeBufferPointer({ equal(Int(slots[h]), $0) }) { break }
                h = (h + 1) & mask
            }
            if slots[h] < 0 { slots[h] = Int32(i) }
        }
    }

    static let seed: UInt64 = 0xCBF2_9CE4_8422_2325, prime: UInt64 = 0x100_0000_01B3

    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed
        for x in b { h = (h ^ UInt64(x)) &* prime }
        return h
    }

    static func slot(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h ^ (h >> 29)) }

    private func equal(_ i: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lengths[i] == b.count else { return false }
        if b.isEmpty { return true }
        return arena.withUnsafeBufferPointer { a in
            memcmp(a.baseAddress! + starts[i], b.baseAddress!, b.count) == 0
        }
    }

    func id(_ token: UnsafeBufferPointer<UInt8>) -> Int { id(token, hash: Self.hash(token)) }

    /// The table through raw pointers, for the byte path's inner loop.
    struct Lookup {
        let slots: UnsafePointer<Int32>, starts: UnsafePointer<Int>, lengths: UnsafePointer<Int>
        let arena: UnsafePointer<UInt8>, mask: Int

        func id(_ token: UnsafePointer<UInt8>, _ count: Int, _ hash: UInt64) -> Int32 {
            var h = ByteTable.slot(hash) & mask
            while true {
                let s = slots[h]
                if s < 0 { return 1 }
                let i = Int(s)
                if lengths[i] == count {
                    // Tokens are short: an inline comparison beats a call to memcmp.
                    let key = arena + starts[i]
                    var k = 0
                    while k < count, key[k] == token[k] { k += 1 }
                    if k == count { return s }
                }
                h = (h + 1) & mask
            }
        }
    }

    func withLookup<R>(_ body: (Lookup) -> R) -> R {
        slots.withUnsafeBufferPointer { sl in
            starts.withUnsafeBufferPointer { st in
                lengths.withUnsafeBufferPointer { le in
                    arena.withUnsafeBufferPointer { ar in
                        body(
                            Lookup(
                                slots: sl.baseAddress!, starts: st.baseAddress!, lengths: le.baseAddress!,
                                arena: ar.baseAddress ?? UnsafePointer(bitPattern: 1)!, mask: mask))
                    }
                }
            }
        }
    }

    /// With the token's FNV-1a hash already computed (the byte path hashes as it scans).
    func id(_ token: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        var h = Self.slot(hash) & mask
        while slots[h] >= 0 {
            if equal(Int(slots[h]), token) { return Int(slots[h]) }
            h = (h + 1) & mask
        }
        return 1
    }
}
