import Foundation

/// tensorflow_text's `BasicTokenizer` (tensorflow_text/python/ops/bert_tokenizer.py), as the TF-Hub
/// BERT preprocess SavedModels run it, reproduced op by op:
///
/// 1. with lower-casing, `case_fold_utf8` — ICU's NFKC_Casefold, i.e. NFKC, full case folding,
///    NFKC again, default-ignorable code points removed — then `normalize_utf8(…, "NFD")` and
///    `regex_replace(…, "\\p{Mn}", "")`;
/// 2. `regex_replace(…, "\\p{Cc}|\\p{Cf}", " ")`;
/// 3. `regex_split` on `\\s+` (RE2: `[\\t\\n\\f\\r ]`, dropped), and on each ASCII punctuation
///    character, `\\p{P}` and CJK ideograph (kept as tokens of their own).
///
/// Case folding uses Foundation's (ICU's) full folding, corrected where it lower-cases instead
/// (Cherokee, whose case folding goes to the capital letters).
enum TensorFlowTextNormalizer {
    static func basicTokens(_ text: String, lowercase: Bool) -> [String] {
        var s = text
        if lowercase { s = stripMarks(nfkcCasefold(s)) }
        var out: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { out.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for scalar in s.unicodeScalars {
            let c = scalar.properties.generalCategory
            let u = (c == .control || c == .format) ? " " : scalar
            switch u {
            case " ", "\t", "\n", "\u{0C}", "\r": flush()
            default:
                if WordPieceTokenizer.isPunctuation(u) || WordPieceTokenizer.isCJK(u.value) {
                    flush()
                    out.append(String(u))
                } else {
                    current.append(u)
                }
            }
        }
        flush()
        return out
    }

    /// NFKC_Casefold: NFKC(fold(NFKC(s))) with default-ignorable code points removed.
    static func nfkcCasefold(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.lowercased() }
        let folded = s.precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive], locale: nil)
        var kept = String.UnicodeScalarView()
        for u in folded.unicodeScalars where !u.properties.isDefaultIgnorableCodePoint {
            kept.append(cherokeeFold(u))
        }
        return String(kept).precomposedStringWithCompatibilityMapping
    }

    /// Cherokee folds to its capitals (CaseFolding.txt: U+AB70…U+ABBF → U+13A0…U+13EF,
    /// U+13F8…U+13FD → U+13F0…U+13F5), where a lower-casing fold goes the other way.
    static func cherokeeFold(_ u: Unicode.Scalar) -> Unicode.Scalar {
        switch u.value {
        case 0xAB70...0xABBF: return Unicode.Scalar(u.value - 0xAB70 + 0x13A0)!
        case 0x13F8...0x13FD: return Unicode.Scalar(u.value - 8)!
        default: return u
        }
    }

    /// NFD, nonspacing marks (`\p{Mn}`) removed.
    static func stripMarks(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s }
        var kept = String.UnicodeScalarView()
        for u in s.decomposedStringWithCanonicalMapping.unicodeScalars
        where u.properties.generalCategory != .nonspacingMark { kept.append(u) }
        return String(kept)
    }
}
