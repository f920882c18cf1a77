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
/// - `output_sequence_length`: truncated and padded with 0 at the end.
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
    /// Keyed by UTF-8 bytes: TensorFlow compares bytes, and Swift's String equality would make
    /// NFC and NFD spellings (`café`, `cafe\u{301}`) one token where Keras has two.
    private let index: [[UInt8]: Int]

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
        var index: [[UInt8]: Int] = [:]
        for (i, t) in vocabulary.enumerated() where i >= 2 && index[Array(t.utf8)] == nil { index[Array(t.utf8)] = i }
        self.index = index
    }

    /// A `vocabulary.txt` as Keras writes it (one token per line; the first line is the empty padding token).
    public static func readVocabulary(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
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
        var ids = tokens(text).map { index[Array($0.utf8)] ?? 1 }
        if let n = outputSequenceLength {
            if ids.count > n { ids.removeLast(ids.count - n) }
            ids += [Int](repeating: 0, count: n - ids.count)
        }
        return ids
    }

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
