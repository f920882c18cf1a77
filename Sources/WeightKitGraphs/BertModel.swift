import WeightKitCheckpoints
import WeightKitCompute

/// BERT as Hugging Face's BertModel computes it (post-norm encoder, additive attention mask,
/// pooler = tanh(dense(h[:, 0]))), with the optional sequence-classification head and the
/// sentence-transformers sentence embedding (masked mean, L2-normalised).
public final class BertModel: @unchecked Sendable {
    public let config: BertConfig
    public let hasPooler: Bool
    public let hasClassifier: Bool
    /// Threads for the kernels (GEMM and the attention heads).
    public var threads = 2
    private let p: [String: BoundTensor]
    /// Per layer: the query, key and value weights side by side, [H, 3H], so one GEMM makes all
    /// three (a third of the calls, and a wider N that the kernel uses better), with their biases —
    /// made only when the weights were copied at bind time anyway; weights used in place from a
    /// graph-ready file stay in place (no weight bytes copied) and run as three GEMMs.
    private let qkv: [(weight: FloatBuffer, bias: FloatBuffer)]?
    /// True when every weight is used in place from the checkpoint's mapping.
    public let weightsInPlace: Bool

    /// The parameters, canonical names in Hugging Face PyTorch spelling (Linear weights [out, in]).
    public static func parameterTable(_ c: BertConfig, pooler: Bool = true, classifier: Bool = false) -> [ParameterSpec] {
        let H = c.hiddenSize, I = c.intermediateSize
        func vec(_ n: String, _ d: Int, optional: Bool = false) -> ParameterSpec { .init(name: n, shape: [d], optional: optional, isLinearWeight: false) }
        func mat(_ n: String, _ o: Int, _ i: Int, optional: Bool = false) -> ParameterSpec { .init(name: n, shape: [o, i], optional: optional, isLinearWeight: true) }
        var t: [ParameterSpec] = [
            .init(name: "embeddings.word_embeddings.weight", shape: [c.vocabSize, H], optional: false, isLinearWeight: false),
            .init(name: "embeddings.position_embeddings.weight", shape: [c.maxPositions, H], optional: false, isLinearWeight: false),
            .init(name: "embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, H], optional: false, isLinearWeight: false),
            vec("embeddings.LayerNorm.weight", H), vec("embeddings.LayerNorm.bias", H),
        ]
        for l in 0..<c.numLayers {
            let p = "encoder.layer.\(l)."
            for n in ["query", "key", "value"] {
                t += [mat(p + "attention.self.\(n).weight", H, H), vec(p + "attention.self.\(n).bias", H)]
            }
            t += [mat(p + "attention.output.dense.weight", H, H), vec(p + "attention.output.dense.bias", H),
                  vec(p + "attention.output.LayerNorm.weight", H), vec(p + "attention.output.LayerNorm.bias", H),
                  mat(p + "intermediate.dense.weight", I, H), vec(p + "intermediate.dense.bias", I),
                  mat(p + "output.dense.weight", H, I), vec(p + "output.dense.bias", H),
                  vec(p + "output.LayerNorm.weight", H), vec(p + "output.LayerNorm.bias", H)]
        }
        // The heads are used when the checkpoint has them.
        if pooler { t += [mat("pooler.dense.weight", H, H, optional: true), vec("pooler.dense.bias", H, optional: true)] }
        if classifier, let n = c.numLabels { t += [mat("classifier.weight", n, H, optional: true), vec("classifier.bias", n, optional: true)] }
        return t
    }

    /// Binds every parameter from `source`; the pooler and classifier are used when present.
    public init(config: BertConfig, source: ParameterSource) throws {
        try GEMM.load()
        self.config = config
        hasPooler = try source.tensor(for: "pooler.dense.weight") != nil
        hasClassifier = try config.numLabels != nil && source.tensor(for: "classifier.weight") != nil
        var binder = ParameterBinder(graph: "BERT", source: source)
        try binder.bind(BertModel.parameterTable(config, pooler: hasPooler, classifier: hasClassifier))
        weightsInPlace = binder.bound.values.allSatisfy { !$0.copied }
        let H = config.hiddenSize
        guard !weightsInPlace else {
            p = binder.bound
            qkv = nil
            return
        }
        // The separate q/k/v tensors are dropped once fused (no second copy of them stays).
        p = binder.bound.filter { !$0.key.contains(".attention.self.") }
        qkv = (0..<config.numLayers).map { l in
            let w = FloatBuffer(count: H * 3 * H), b = FloatBuffer(count: 3 * H)
            for (j, n) in ["query", "key", "value"].enumerated() {
                let t = binder.bound["encoder.layer.\(l).attention.self.\(n).weight"]!
                let bias = binder.bound["encoder.layer.\(l).attention.self.\(n).bias"]!
                // Copied weights are always held [in, out] (PyTorch's are transposed at bind time).
                precondition(t.layout == .inOut, "bound linear weights are [in, out]")
                for i in 0..<H { (w.pointer + i * 3 * H + j * H).update(from: t.pointer + i * H, count: H) }
                (b.pointer + j * H).update(from: bias.pointer, count: H)
            }
            return (w, b)
        }
    }

    public struct Inputs: Sendable {
        public var inputIds: [[Int]]
        public var attentionMask: [[Int]]?
        public var tokenTypeIds: [[Int]]?
        public init(inputIds: [[Int]], attentionMask: [[Int]]? = nil, tokenTypeIds: [[Int]]? = nil) {
            self.inputIds = inputIds
            self.attentionMask = attentionMask
            self.tokenTypeIds = tokenTypeIds
        }
    }

    public struct InvalidInput: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Every output the graph can produce.
    public var outputNames: [String] {
        var n = ["last_hidden_state", "sentence_embedding"] + (0...config.numLayers).map { "hidden_states.\($0)" }
        if hasPooler { n.append("pooler_output") }
        if hasClassifier { n.append("logits") }
        return n
    }

    /// Runs the batch; returns the requested outputs (intermediates are kept only when asked for).
    public func forward(_ inputs: Inputs, outputs wanted: Set<String>) throws -> [String: GraphOutput] {
        let c = config
        let B = inputs.inputIds.count
        guard B > 0, let S = inputs.inputIds.first?.count, S > 0, inputs.inputIds.allSatisfy({ $0.count == S }) else {
            throw InvalidInput(description: "input_ids must be a non-empty [batch, sequence] array with equal row lengths")
        }
        guard S <= c.maxPositions else { throw InvalidInput(description: "sequence length \(S) exceeds max_position_embeddings \(c.maxPositions)") }
        let mask = inputs.attentionMask ?? Array(repeating: Array(repeating: 1, count: S), count: B)
        let types = inputs.tokenTypeIds ?? Array(repeating: Array(repeating: 0, count: S), count: B)
        guard mask.count == B, mask.allSatisfy({ $0.count == S }), types.count == B, types.allSatisfy({ $0.count == S }) else {
            throw InvalidInput(description: "attention_mask and token_type_ids must have the shape of input_ids [\(B), \(S)]")
        }
        for row in inputs.inputIds { for id in row where id < 0 || id >= c.vocabSize { throw InvalidInput(description: "token id \(id) outside the vocabulary (\(c.vocabSize))") } }
        for row in types { for t in row where t < 0 || t >= c.typeVocabSize { throw InvalidInput(description: "token type \(t) outside type_vocab_size \(c.typeVocabSize)") } }

        let H = c.hiddenSize, I = c.intermediateSize, N = B * S, nh = c.numHeads, dh = H / nh
        var recorder = OutputRecorder(wanted: wanted)
        func record(_ name: String, _ x: UnsafePointer<Float>, _ shape: [Int]) { recorder.record(name, x, shape) }

        // Embeddings.
        let x = FloatBuffer(count: N * H)
        let word = p["embeddings.word_embeddings.weight"]!.pointer, pos = p["embeddings.position_embeddings.weight"]!.pointer
        let typ = p["embeddings.token_type_embeddings.weight"]!.pointer
        for b in 0..<B {
            for s in 0..<S {
                let row = x.pointer + (b * S + s) * H
                let w = word + inputs.inputIds[b][s] * H, ps = pos + s * H, t = typ + types[b][s] * H
                for j in 0..<H { row[j] = w[j] + ps[j] + t[j] }
            }
        }
        Kernels.layerNorm(x.pointer, rows: N, cols: H, gamma: p["embeddings.LayerNorm.weight"]!.pointer, beta: p["embeddings.LayerNorm.bias"]!.pointer, eps: c.layerNormEps)
        record("hidden_states.0", x.pointer, [B, S, H])

        // Encoder.
        let qkvOut = FloatBuffer(count: N * 3 * H)
        let ctx = FloatBuffer(count: N * H), tmp = FloatBuffer(count: N * H), inter = FloatBuffer(count: N * I)
        let additive: [[Float]] = mask.map { $0.map { $0 == 0 ? c.maskValue : 0 } }
        let scale = 1 / Float(dh).squareRoot()
        for l in 0..<c.numLayers {
            let pre = "encoder.layer.\(l)."
            func w(_ n: String) -> BoundTensor { p[pre + n]! }
            if let qkv {
                GEMM.sgemm(m: N, n: 3 * H, k: H, a: x.pointer, lda: H, b: qkv[l].weight.pointer, ldb: 3 * H, c: qkvOut.pointer, ldc: 3 * H)
                Kernels.addBias(qkvOut.pointer, rows: N, cols: 3 * H, bias: qkv[l].bias.pointer)
            } else {
                // Three GEMMs straight from the mapped weights, into the same interleaved rows.
                for (j, n) in ["query", "key", "value"].enumerated() {
                    let wt = w("attention.self.\(n).weight")
                    GEMM.sgemm(m: N, n: H, k: H, a: x.pointer, lda: H, b: wt.pointer, ldb: H, c: qkvOut.pointer + j * H, ldc: 3 * H)
                    let b = w("attention.self.\(n).bias").pointer
                    for r in 0..<N { let row = qkvOut.pointer + r * 3 * H + j * H; for c in 0..<H { row[c] += b[c] } }
                }
            }
            Attention.run(q: qkvOut.pointer, k: qkvOut.pointer + H, v: qkvOut.pointer + 2 * H, ctx: ctx.pointer, batch: B, seq: S, heads: nh,
                          headDim: dh, rowStride: 3 * H, ctxStride: H, scale: scale, additiveMask: additive, threads: threads)
            w("attention.output.dense.weight").linear(ctx.pointer, rows: N, bias: w("attention.output.dense.bias"), into: tmp.pointer)
            Kernels.add(tmp.pointer, x.pointer, count: N * H)
            Kernels.layerNorm(tmp.pointer, rows: N, cols: H, gamma: w("attention.output.LayerNorm.weight").pointer, beta: w("attention.output.LayerNorm.bias").pointer, eps: c.layerNormEps)
            w("intermediate.dense.weight").linear(tmp.pointer, rows: N, bias: w("intermediate.dense.bias"), into: inter.pointer)
            Kernels.activate(inter.pointer, count: N * I, c.activation)
            w("output.dense.weight").linear(inter.pointer, rows: N, bias: w("output.dense.bias"), into: x.pointer)
            Kernels.add(x.pointer, tmp.pointer, count: N * H)
            Kernels.layerNorm(x.pointer, rows: N, cols: H, gamma: w("output.LayerNorm.weight").pointer, beta: w("output.LayerNorm.bias").pointer, eps: c.layerNormEps)
            record("hidden_states.\(l + 1)", x.pointer, [B, S, H])
        }
        record("last_hidden_state", x.pointer, [B, S, H])

        // Heads.
        if hasPooler && (wanted.contains("pooler_output") || wanted.contains("logits")) {
            let first = FloatBuffer(count: B * H), pooled = FloatBuffer(count: B * H)
            for b in 0..<B { (first.pointer + b * H).update(from: x.pointer + b * S * H, count: H) }
            p["pooler.dense.weight"]!.linear(first.pointer, rows: B, bias: p["pooler.dense.bias"], into: pooled.pointer)
            Kernels.activate(pooled.pointer, count: B * H, .tanh)
            record("pooler_output", pooled.pointer, [B, H])
            if hasClassifier, let L = c.numLabels, wanted.contains("logits") {
                let logits = FloatBuffer(count: B * L)
                p["classifier.weight"]!.linear(pooled.pointer, rows: B, bias: p["classifier.bias"], into: logits.pointer)
                record("logits", logits.pointer, [B, L])
            }
        }
        if wanted.contains("sentence_embedding") {
            let emb = FloatBuffer(count: B * H)
            for b in 0..<B {
                Kernels.maskedMean(x.pointer + b * S * H, rows: S, cols: H, mask: mask[b].map(Float.init), into: emb.pointer + b * H)
                Kernels.l2Normalize(emb.pointer + b * H, count: H)
            }
            record("sentence_embedding", emb.pointer, [B, H])
        }
        return recorder.outputs
    }
}

/// One output of a graph run: row-major values with their shape.
public struct GraphOutput: Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]
}

/// Copies out the outputs (and intermediates) a caller asked for, and nothing else.
struct OutputRecorder {
    let wanted: Set<String>
    var outputs: [String: GraphOutput] = [:]

    mutating func record(_ name: String, _ x: UnsafePointer<Float>, _ shape: [Int]) {
        guard wanted.contains(name) else { return }
        outputs[name] = GraphOutput(name: name, shape: shape, values: Array(UnsafeBufferPointer(start: x, count: shape.reduce(1, *))))
    }
}
