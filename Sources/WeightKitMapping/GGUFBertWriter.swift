import WeightKitCheckpoints
import WeightKitGGUF
import WeightKitGraphs

/// Writes a mapped BERT as the GGUF llama.cpp's BERT loader reads (the names, keys and
/// vocabulary rewrite that llama.cpp's `convert_hf_to_gguf.py` writes; `../shared/notes/gguf-bert.md`):
/// `general.*`, the `bert.*` hyper-parameters (context, embedding and feed-forward lengths, blocks,
/// heads, LayerNorm epsilon, `causal = false`, pooling), the WordPiece vocabulary with the
/// phantom-space rewrite (`##x` → `x`, other non-control tokens prefixed with U+2581), token
/// types and special ids; tensors in ggml dimension order (a PyTorch [out, in] weight's bytes
/// as they are, `ne = [in, out]`), norms and biases always F32.
public enum GGUFBertWriter {
    /// The vocabulary, what its special tokens are, and its BertNormalizer's casing.
    public struct Vocabulary: Sendable {
        public var tokens: [String]
        public var unk: Int, cls: Int, sep: Int, pad: Int?, mask: Int?
        public var lowercase = true, stripAccents = true
        /// RoBERTa's byte-level BPE: its merges ("a b", rank order) — the tokens are then written as
        /// they are (`tokenizer.ggml.model = gpt2`, no phantom-space rewrite) — and ids that are
        /// only padding of the vocabulary (llama.cpp's UNUSED).
        public var merges: [String]? = nil
        public var unused: Set<Int> = []
        /// XLM-RoBERTa's SentencePiece Unigram (`tokenizer.ggml.model = t5`, llama.cpp's UGM): the
        /// tokens as they are, with their scores, the normaliser settings and charsmap.
        public var unigram: Unigram? = nil
        public init(
            tokens: [String], unk: Int, cls: Int, sep: Int, pad: Int?, mask: Int?, lowercase: Bool = true,
            stripAccents: Bool = true
        ) {
            (self.tokens, self.unk, self.cls, self.sep, self.pad, self.mask) = (tokens, unk, cls, sep, pad, mask)
            (self.lowercase, self.stripAccents) = (lowercase, stripAccents)
        }
    }

    /// What llama.cpp's UGM tokenizer reads besides the tokens (`Docs/gguf-xlmr-notes.md`).
    public struct Unigram: Sendable {
        public var scores: [Double]
        public var userDefined: Set<Int>
        public var precompiledCharsmap: [UInt8]?
        public var addSpacePrefix: Bool, removeExtraWhitespaces: Bool
        public init(
            scores: [Double], userDefined: Set<Int>, precompiledCharsmap: [UInt8]?, addSpacePrefix: Bool,
            removeExtraWhitespaces: Bool
        ) {
            (self.scores, self.userDefined, self.precompiledCharsmap) = (scores, userDefined, precompiledCharsmap)
            (self.addSpacePrefix, self.removeExtraWhitespaces) = (addSpacePrefix, removeExtraWhitespaces)
        }
    }

    /// llama.cpp's `PoolingType`. `rank`: the classification head on the first token — `cls`
    /// (dense, then tanh) and `cls.output` — so llama.cpp returns the logits.
    public enum Pooling: UInt32, Sendable { case none = 0, mean = 1, cls = 2, rank = 4 }

    /// A source this export cannot write, in words.
    public struct Unsupported: Error, Sendable, CustomStringConvertible { public var description: String }

    /// HF BERT name → GGUF name: the mapping table's `.gguf` column. The pooler is kept, as
    /// `cls` (llama.cpp's BERT loads it as optional and applies it, with `cls.output`, only for
    /// rank pooling), so the GGUF holds the whole model; llama.cpp's converter drops it.
    static func ggufName(_ canonical: String, kind: GraphKind) -> String? {
        Graphs.mapping(for: kind).table?.name(of: canonical, in: .gguf)
    }

    /// The weight matrices a `q8_0` file keeps in F16 unless told otherwise, by their role in
    /// llama.cpp's names (`blk.N.<role>.weight`). ggml's Q8_0 matrix product quantises the
    /// activations to 8 bits as well as the weights, and in llama.cpp's BERT the value projection
    /// and the feed-forward up-projection are where that costs most: on the real all-MiniLM-L6-v2
    /// over the 2,200-line corpus, run by llama.cpp, every matrix Q8_0 gives cosine min 0.99830 to
    /// sentence-transformers, these two kept F16 0.99949, for 16 % more bytes (29.6 against 25.4 MB;
    /// BENCHMARKS.md has each role's share). llama.cpp's own k-quant mixes favour `attn_v` likewise.
    public static let q8KeptF16Default = ["attn_v", "ffn_up"]

    /// The roles `keepF16` may name: the weight matrices of llama.cpp's BERT.
    public static let matrixRoles = [
        "token_embd", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_up", "ffn_down", "cls", "cls.output",
    ]

    /// The role of a GGUF tensor name: `blk.3.attn_v.weight` → `attn_v`, `cls.output.weight` → `cls.output`.
    static func role(of gguf: String) -> String {
        var parts = gguf.split(separator: ".").map(String.init)
        if parts.first == "blk", parts.count > 2 { parts.removeFirst(2) }
        if let last = parts.last, last == "weight" || last == "bias" { parts.removeLast() }
        return parts.joined(separator: ".")
    }

    /// `keepF16` (with `dtype` q8_0): the matrix roles written F16 instead of Q8_0; empty quantises
    /// every matrix, the bytes `convert_hf_to_gguf.py --outtype q8_0` writes.
    public static func write(
        _ checkpoint: any Checkpoint, report: MappingReport, vocabulary: Vocabulary, name: String, pooling: Pooling,
        to path: String, dtype: DTypePolicy = .f32, keepF16: Set<String> = Set(q8KeptF16Default),
        progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws {
        guard report.passed, let config = report.config else { throw GraphReadyWriter.NotMapped(report: report) }
        let bpe = vocabulary.merges != nil
        let unigram = vocabulary.unigram
        guard
            config.kind == .bert || config.kind == .distilbert || (config.kind == .roberta && (bpe || unigram != nil))
        else {
            throw Unsupported(
                description:
                    "\(checkpoint.path): GGUF export writes BERT, DistilBERT, RoBERTa (byte-level BPE) and XLM-RoBERTa (SentencePiece Unigram); this is \(config.kind.rawValue)"
            )
        }
        if pooling == .rank {
            // llama.cpp's rank head is BERT's and RoBERTa's: dense + tanh, then the output layer.
            guard report.hasClassifierHead else {
                throw Unsupported(
                    description:
                        "\(checkpoint.path): pooling rank runs the classification head, and this model has none")
            }
            guard config.kind != .distilbert else {
                throw Unsupported(description: Self.distilbertRank(checkpoint.path))
            }
        }
        // RoBERTa's positions start after the padding index: llama.cpp's table starts there too
        // (convert_hf_to_gguf.py drops the first pad_token_id + 1 rows; Docs/gguf-roberta-notes.md).
        let positionOffset = config.positionOffset
        let fileType: Int
        switch dtype {
        case .keep, .f32: fileType = 0  // ALL_F32
        case .f16: fileType = 1  // MOSTLY_F16
        case .q8_0: fileType = 7  // MOSTLY_Q8_0
        case .bf16: fileType = 32  // MOSTLY_BF16
        }
        let (tensors, classifier) = try HuggingFaceWriter.pyTorchTensors(
            checkpoint, report: report, dtype: .f32, taskPrefix: false)
        var out: [OutputTensor] = []
        var q8_0: Set<String> = []
        for var t in tensors {
            guard let g = ggufName(t.name, kind: config.kind) else { continue }
            t.name = g
            if g == "position_embd.weight", positionOffset > 0 { t = try Self.dropRows(t, positionOffset) }
            // As convert_hf_to_gguf.py decides: norms, biases, position_embd and token_types
            // always F32 (llama.cpp adds token_types' row 0 as a view; ggml's add takes no F16
            // operand); the other matrices as asked, Q8_0 falling back to F16 where a row is not
            // a multiple of the 32-value block, and F16 for the roles kept so.
            let matrix = t.shape.count >= 2 && g != "token_types.weight" && g != "position_embd.weight"
            switch dtype {
            case _ where !matrix: t.dtype = .f32
            case .f16: t.dtype = .f16
            case .bf16: t.dtype = .bf16
            case .q8_0:
                t.dtype = .f32
                if t.shape.last! % 32 == 0 && !keepF16.contains(role(of: g)) { q8_0.insert(g) } else { t.dtype = .f16 }
            case .keep, .f32: t.dtype = .f32
            }
            out.append(t)
        }
        let specials = Set(
            [vocabulary.unk, vocabulary.cls, vocabulary.sep] + [vocabulary.pad, vocabulary.mask].compactMap { $0 })
        let tokens =
            bpe || unigram != nil
            ? vocabulary.tokens
            : vocabulary.tokens.enumerated().map { GGUFVocabulary.encode($1, control: specials.contains($0)) }
        // UNKNOWN (SentencePiece's <unk>), CONTROL, USER_DEFINED, UNUSED, NORMAL
        let types = vocabulary.tokens.indices.map { i in
            unigram != nil && i == vocabulary.unk
                ? 2
                : specials.contains(i)
                    ? 3 : unigram?.userDefined.contains(i) == true ? 4 : vocabulary.unused.contains(i) ? 5 : 1
        }
        typealias V = GGUFFile.Value
        func u32(_ v: Int) -> V { .uint(UInt64(v), type: 4) }
        var metadata: [(key: String, value: V)] = [
            ("general.architecture", .string("bert")), ("general.name", .string(name)),
            ("general.file_type", u32(fileType)), ("general.quantization_version", u32(2)),  // GGML_QUANT_VERSION
            ("bert.context_length", u32(config.maxPositions - positionOffset)),
            ("bert.embedding_length", u32(config.hiddenSize)),
            ("bert.feed_forward_length", u32(config.intermediateSize)), ("bert.block_count", u32(config.numLayers)),
            ("bert.attention.head_count", u32(config.numHeads)),
            ("bert.attention.layer_norm_epsilon", .float(Double(config.layerNormEps), type: 6)),
            ("bert.attention.causal", .bool(false)), ("bert.pooling_type", u32(Int(pooling.rawValue))),
            // GGUF has no activation key (llama.cpp always computes the tanh GELU): which one the
            // model was trained with travels in WeightKit's own namespace, for reading it back.
            (
                "weightkit.hidden_act",
                .string(
                    config.huggingFaceJSON["hidden_act"]?.stringValue ?? config.huggingFaceJSON["activation"]?
                        .stringValue ?? "gelu")
            ),
            ("weightkit.model_type", .string(config.kind.rawValue)),
            ("tokenizer.ggml.model", .string(bpe ? "gpt2" : unigram != nil ? "t5" : "bert")),
            ("tokenizer.ggml.tokens", .array(element: 8, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(element: 5, types.map { .int(Int64($0), type: 5) })),
            // DistilBERT has no token types: llama.cpp's converter counts 1 (and writes no token_types).
            ("tokenizer.ggml.token_type_count", u32(max(config.typeVocabSize, 1))),
            ("tokenizer.ggml.unknown_token_id", u32(vocabulary.unk)),
            ("tokenizer.ggml.seperator_token_id", u32(vocabulary.sep)),
            ("tokenizer.ggml.cls_token_id", u32(vocabulary.cls)), ("tokenizer.ggml.bos_token_id", u32(vocabulary.cls)),
            ("tokenizer.ggml.eos_token_id", u32(vocabulary.sep)), ("tokenizer.ggml.add_bos_token", .bool(true)),
            ("tokenizer.ggml.add_eos_token", .bool(true)),
            ("tokenizer.ggml.add_sep_token", .bool(bpe || unigram != nil)),
        ]
        if let merges = vocabulary.merges {
            // GPT-2's pre-tokenizer, under the name llama.cpp gives RoBERTa's.
            metadata.append(("tokenizer.ggml.pre", .string("roberta-bpe")))
            metadata.append(("tokenizer.ggml.merges", .array(element: 8, merges.map { .string($0) })))
        } else if let u = unigram {
            // As llama.cpp's converter writes XLM-RoBERTa (Docs/gguf-xlmr-notes.md).
            metadata.append(("tokenizer.ggml.pre", .string("default")))
            metadata.append(("tokenizer.ggml.scores", .array(element: 6, u.scores.map { .float($0, type: 6) })))
            metadata.append(("tokenizer.ggml.add_space_prefix", .bool(u.addSpacePrefix)))
            metadata.append(("tokenizer.ggml.remove_extra_whitespaces", .bool(u.removeExtraWhitespaces)))
            if let map = u.precompiledCharsmap {
                metadata.append(
                    ("tokenizer.ggml.precompiled_charsmap", .array(element: 0, map.map { .uint(UInt64($0), type: 0) })))
            }
        } else {
            // llama.cpp's WPM tokenizer lower-cases and strips accents unless these say otherwise.
            metadata.append(("tokenizer.ggml.normalizer.lowercase", .bool(vocabulary.lowercase)))
        }
        if !bpe, unigram == nil, vocabulary.stripAccents != vocabulary.lowercase {
            metadata.append(("tokenizer.ggml.normalizer.strip_accents", .bool(vocabulary.stripAccents)))
        }
        if let p = vocabulary.pad { metadata.append(("tokenizer.ggml.padding_token_id", u32(p))) }
        if let m = vocabulary.mask { metadata.append(("tokenizer.ggml.mask_token_id", u32(m))) }
        if classifier, let labels = labels(checkpoint.modelConfig) {
            metadata.append(("bert.classifier.output_labels", .array(element: 8, labels.map { .string($0) })))
        }
        try GGUFWriter.write(out, q8_0: q8_0, metadata: metadata, to: path, progress: progress, audit: audit)
    }

    /// Why a DistilBERT classifier cannot be ranked by llama.cpp.
    public static func distilbertRank(_ path: String) -> String {
        "\(path): DistilBERT's head is pre_classifier + ReLU; llama.cpp's rank pooling applies tanh after cls, so llama.cpp's logits would be wrong (the head is written as cls / cls.output all the same, as llama.cpp's converter writes it; use --pooling mean|cls|none)"
    }

    /// `t` without its first `n` rows (a [rows, H] table), sliced from the source view when written.
    static func dropRows(_ t: OutputTensor, _ n: Int) throws -> OutputTensor {
        let src = t.sourceInfo
        guard src.shape.count == 2, src.shape[0] > n, let es = src.dtype.byteSize else {
            throw Unsupported(
                description: "\(src.name): cannot drop \(n) rows of \(src.dtype.rawValue) \(src.shapeDescription)")
        }
        let rows = src.shape[0] - n, row = src.shape[1] * es
        let info = TensorInfo(
            name: src.name, dtype: src.dtype, shape: [rows, src.shape[1]], byteOffset: 0, byteCount: rows * row)
        var out = OutputTensor(name: t.name, dtype: t.dtype, info: info, inPlace: false) {
            let v = try t.sourceView()
            return TensorView(
                info: info, bytes: UnsafeRawBufferPointer(rebasing: v.bytes[(n * row)..<(n * row + rows * row)]),
                owner: v.storageOwner)
        }
        return out
    }

    /// A config's `id2label` names in id order, nil when absent or AutoConfig's placeholder
    /// `LABEL_0, LABEL_1` (dropped as llama.cpp's converter drops it).
    static func labels(_ config: JSONValue?) -> [String]? {
        guard case .object(let m)? = config?["id2label"] else { return nil }
        var byId: [(Int, String)] = []
        for (k, v) in m.entries {
            guard let i = Int(k), let s = v.stringValue else { return nil }
            byId.append((i, s))
        }
        let names = byId.sorted { $0.0 < $1.0 }.map(\.1)
        guard !names.isEmpty, names != ["LABEL_0", "LABEL_1"] else { return nil }
        return names
    }
}
