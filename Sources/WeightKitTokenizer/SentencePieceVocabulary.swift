import Foundation
import WeightKitCheckpoints

/// A SentencePiece Unigram vocabulary as a fast tokenizer's `tokenizer.json` holds it (XLM-RoBERTa,
/// transformers' conversion of `sentencepiece.bpe.model`): the pieces and their scores in id order,
/// which ids are the unknown, special and user-defined tokens, and the normaliser's settings that
/// llama.cpp's UGM tokenizer reproduces — the precompiled charsmap, the dummy prefix (Metaspace)
/// and whether runs of spaces are merged. What a GGUF carries of it (`Docs/gguf-xlmr-notes.md`);
/// WeightKit does not tokenise with it.
public struct SentencePieceVocabulary: Sendable {
    public var pieces: [String]
    public var scores: [Double]
    public var unknown: Int
    /// Added tokens marked special (`<s>`, `<pad>`, `</s>`, `<mask>`…), and the other added ones.
    public var special: Set<Int>, userDefined: Set<Int>
    /// SentencePiece's precompiled normalisation map (nmt_nfkc and the like), if the file has one.
    public var precompiledCharsmap: [UInt8]?
    public var addSpacePrefix: Bool
    public var removeExtraWhitespaces: Bool
    public var source: String

    /// The id of an added token by its text.
    public var added: [String: Int]

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// From `tokenizer.json`; anything but a Unigram model with a Metaspace pre-tokenizer is
    /// refused by name.
    public static func load(tokenizerJSON path: String) throws -> SentencePieceVocabulary {
        let root = try FileSystem.readJSON(path, limit: 256 << 20)
        func fail(_ d: String) -> Problem { Problem(description: "\(path): \(d)") }
        guard root["model"]?["type"]?.stringValue == "Unigram" else {
            throw fail("the tokenizer model is \(root["model"]?["type"]?.stringValue ?? "untyped"), not Unigram")
        }
        guard let vocab = root["model"]?["vocab"]?.arrayValue else { throw fail("model.vocab is not a list") }
        var pieces: [String] = [], scores: [Double] = []
        pieces.reserveCapacity(vocab.count)
        scores.reserveCapacity(vocab.count)
        for (i, entry) in vocab.enumerated() {
            guard let pair = entry.arrayValue, pair.count == 2, let piece = pair[0].stringValue,
                let score = pair[1].doubleValue
            else { throw fail("model.vocab[\(i)] is not a [piece, score] pair") }
            pieces.append(piece)
            scores.append(score)
        }
        guard let unknown = root["model"]?["unk_id"]?.intValue, pieces.indices.contains(unknown) else {
            throw fail("model.unk_id is missing or outside the vocabulary")
        }
        // The pre-tokenizer: Metaspace (alone or in a Sequence), whose prefix is the dummy prefix.
        let pre = root["pre_tokenizer"]
        let metaspace =
            pre?["type"]?.stringValue == "Metaspace"
            ? pre : pre?["pretokenizers"]?.arrayValue?.first { $0["type"]?.stringValue == "Metaspace" }
        guard let metaspace else {
            throw fail("the pre-tokenizer is \(pre?["type"]?.stringValue ?? "none"), not Metaspace (SentencePiece)")
        }
        let scheme = metaspace["prepend_scheme"]?.stringValue
        let addSpacePrefix = scheme.map { $0 != "never" } ?? (metaspace["add_prefix_space"]?.boolValue ?? true)
        // The normaliser: Precompiled (SentencePiece's charsmap), and a Replace of runs of spaces —
        // how transformers writes remove_extra_whitespaces — alone or in a Sequence.
        let n = root["normalizer"]
        let parts =
            n?["type"]?.stringValue == "Sequence" ? (n?["normalizers"]?.arrayValue ?? []) : (n.map { [$0] } ?? [])
        var charsmap: [UInt8]?
        var merges = false
        for p in parts {
            switch p["type"]?.stringValue {
            case "Precompiled":
                guard let b64 = p["precompiled_charsmap"]?.stringValue, let data = Data(base64Encoded: b64),
                    data.count >= 4
                else { throw fail("normalizer Precompiled: precompiled_charsmap is not a base64 charsmap") }
                charsmap = [UInt8](data)
            case "Replace":
                if p["pattern"]?["Regex"]?.stringValue == " {2,}" { merges = true }
            default: break
            }
        }
        var special = Set<Int>(), userDefined = Set<Int>(), added: [String: Int] = [:]
        for t in root["added_tokens"]?.arrayValue ?? [] {
            guard let content = t["content"]?.stringValue, let id = t["id"]?.intValue else { continue }
            added[content] = id
            if t["special"]?.boolValue == true { special.insert(id) } else { userDefined.insert(id) }
            // Added tokens past the model's pieces (XLM-R's <mask>) get a piece of their own.
            while pieces.count <= id {
                pieces.append("[PAD\(pieces.count)]")
                scores.append(0)
            }
            pieces[id] = content
            scores[id] = 0
        }
        return SentencePieceVocabulary(
            pieces: pieces, scores: scores, unknown: unknown, special: special, userDefined: userDefined,
            precompiledCharsmap: charsmap, addSpacePrefix: addSpacePrefix, removeExtraWhitespaces: merges,
            source: path + " (SentencePiece Unigram: pieces, scores"
                + (charsmap == nil ? "; no precompiled charsmap" : ", precompiled charsmap") + ")",
            added: added)
    }
}
