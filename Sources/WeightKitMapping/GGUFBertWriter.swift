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
    /// The vocabulary and what its special tokens are.
    public struct Vocabulary: Sendable {
        public var tokens: [String]
        public var unk: Int, cls: Int, sep: Int, pad: Int?, mask: Int?
        public init(tokens: [String], unk: Int, cls: Int, sep: Int, pad: Int?, mask: Int?) {
            (self.tokens, self.unk, self.cls, self.sep, self.pad, self.mask) = (tokens, unk, cls, sep, pad, mask)
        }
    }

    /// llama.cpp's `PoolingType`.
    public enum Pooling: UInt32, Sendable { case none = 0, mean = 1, cls = 2 }

    /// A source this export cannot write, in words.
    public struct Unsupported: Error, Sendable, CustomStringConvertible { public var description: String }

    /// HF BERT name → GGUF name (llama.cpp `tensor_mapping.py`, `# bert` lines). The pooler goes
    /// with a classification head (`cls`, `cls.output`), as llama.cpp's reranker graph reads them.
    static func ggufName(_ canonical: String, classifier: Bool) -> String? {
        let fixed = [
            "embeddings.word_embeddings.weight": "token_embd.weight",
            "embeddings.position_embeddings.weight": "position_embd.weight",
            "embeddings.token_type_embeddings.weight": "token_types.weight",
            "embeddings.LayerNorm.weight": "token_embd_norm.weight",
            "embeddings.LayerNorm.bias": "token_embd_norm.bias",
            "classifier.weight": "cls.output.weight", "classifier.bias": "cls.output.bias",
        ]
        if let f = fixed[canonical] { return f }
        if canonical.hasPrefix("pooler.dense.") { return classifier ? "cls." + canonical.dropFirst(13) : nil }
        let parts = canonical.split(separator: ".").map(String.init)
        guard parts.count >= 5, parts[0] == "encoder", parts[1] == "layer", let n = Int(parts[2]) else { return nil }
        let stem = parts[3..<(parts.count - 1)].joined(separator: ".")
        let blocks = [
            "attention.self.query": "attn_q", "attention.self.key": "attn_k", "attention.self.value": "attn_v",
            "attention.output.dense": "attn_output", "attention.output.LayerNorm": "attn_output_norm",
            "intermediate.dense": "ffn_up", "output.dense": "ffn_down", "output.LayerNorm": "layer_output_norm",
        ]
        guard let b = blocks[stem] else { return nil }
        return "blk.\(n).\(b).\(parts.last!)"
    }

    /// The phantom-space rewrite llama.cpp's BERT tokenizer expects.
    static func rewrite(_ token: String, control: Bool) -> String {
        if control { return token }
        // By bytes: "##" followed by a combining mark is one Character to Swift ("#ा").
        if token.utf8.starts(with: "##".utf8) { return String(decoding: token.utf8.dropFirst(2), as: UTF8.self) }
        return "\u{2581}" + token
    }

    public static func write(
        _ checkpoint: any Checkpoint, report: MappingReport, vocabulary: Vocabulary, name: String, pooling: Pooling,
        to path: String, dtype: DTypePolicy = .f32, progress: ProgressHandler? = nil
    ) throws {
        guard report.passed, let config = report.config else { throw GraphReadyWriter.NotMapped(report: report) }
        guard config.kind == .bert else {
            throw Unsupported(
                description: "\(checkpoint.path): GGUF export writes BERT; this is \(config.kind.rawValue) (next step)")
        }
        guard dtype == .f32 || dtype == .f16 else {
            throw Unsupported(description: "--dtype \(dtype.rawValue): GGUF export writes f32 or f16 (q8_0 next)")
        }
        let (tensors, classifier) = try HuggingFaceWriter.pyTorchTensors(
            checkpoint, report: report, dtype: .f32, taskPrefix: false)
        var out: [OutputTensor] = []
        for var t in tensors {
            guard let g = ggufName(t.name, classifier: classifier) else { continue }
            t.name = g
            // Norms and biases stay F32; so does token_types, whose row 0 llama.cpp adds as a view
            // (ggml's add takes no F16 operand: an F16 token_types aborts it). Matrices and the
            // other embeddings as asked.
            t.dtype = t.shape.count >= 2 && g != "token_types.weight" ? (dtype == .f16 ? .f16 : .f32) : .f32
            out.append(t)
        }
        let specials = Set(
            [vocabulary.unk, vocabulary.cls, vocabulary.sep] + [vocabulary.pad, vocabulary.mask].compactMap { $0 })
        let tokens = vocabulary.tokens.enumerated().map { rewrite($1, control: specials.contains($0)) }
        let types = vocabulary.tokens.indices.map { specials.contains($0) ? 3 : 1 }  // CONTROL, NORMAL
        typealias V = GGUFFile.Value
        func u32(_ v: Int) -> V { .uint(UInt64(v), type: 4) }
        var metadata: [(key: String, value: V)] = [
            ("general.architecture", .string("bert")), ("general.name", .string(name)),
            ("general.file_type", u32(dtype == .f16 ? 1 : 0)),
            ("bert.context_length", u32(config.maxPositions)), ("bert.embedding_length", u32(config.hiddenSize)),
            ("bert.feed_forward_length", u32(config.intermediateSize)), ("bert.block_count", u32(config.numLayers)),
            ("bert.attention.head_count", u32(config.numHeads)),
            ("bert.attention.layer_norm_epsilon", .float(Double(config.layerNormEps), type: 6)),
            ("bert.attention.causal", .bool(false)), ("bert.pooling_type", u32(Int(pooling.rawValue))),
            ("tokenizer.ggml.model", .string("bert")),
            ("tokenizer.ggml.tokens", .array(element: 8, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(element: 5, types.map { .int(Int64($0), type: 5) })),
            ("tokenizer.ggml.token_type_count", u32(config.typeVocabSize)),
            ("tokenizer.ggml.unknown_token_id", u32(vocabulary.unk)),
            ("tokenizer.ggml.seperator_token_id", u32(vocabulary.sep)),
            ("tokenizer.ggml.cls_token_id", u32(vocabulary.cls)), ("tokenizer.ggml.bos_token_id", u32(vocabulary.cls)),
            ("tokenizer.ggml.eos_token_id", u32(vocabulary.sep)), ("tokenizer.ggml.add_bos_token", .bool(true)),
            ("tokenizer.ggml.add_eos_token", .bool(true)),
        ]
        if let p = vocabulary.pad { metadata.append(("tokenizer.ggml.padding_token_id", u32(p))) }
        if let m = vocabulary.mask { metadata.append(("tokenizer.ggml.mask_token_id", u32(m))) }
        try GGUFWriter.write(out, metadata: metadata, to: path, progress: progress)
    }
}
