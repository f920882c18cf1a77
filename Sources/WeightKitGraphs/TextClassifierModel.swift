import WeightKitCheckpoints
import WeightKitCompute

/// The Keras text-classification transformer of the Keras documentation:
/// TokenAndPositionEmbedding → TransformerBlock (MultiHeadAttention, LayerNormalization,
/// ReLU feed-forward, post-norm, dropout ignored at inference) → GlobalAveragePooling1D →
/// Dense(relu) → Dense(softmax).
public struct TextClassifierConfig: Sendable, Equatable {
    public var vocabSize: Int
    public var maxLength: Int
    public var embedDim: Int
    public var numHeads: Int
    /// Keras MultiHeadAttention's key_dim: per-head width, which need not be embedDim / numHeads
    /// (the documentation's model uses key_dim = embed_dim).
    public var keyDim: Int
    public var feedForwardDim: Int
    public var hiddenUnits: Int
    public var numClasses: Int
    /// LayerNormalization epsilon (1e-6 in the documentation's model; Keras' default is 1e-3).
    public var layerNormEps: Float

    public init(
        vocabSize: Int, maxLength: Int, embedDim: Int, numHeads: Int, keyDim: Int, feedForwardDim: Int,
        hiddenUnits: Int, numClasses: Int, layerNormEps: Float = 1e-6
    ) {
        self.vocabSize = vocabSize
        self.maxLength = maxLength
        self.embedDim = embedDim
        self.numHeads = numHeads
        self.keyDim = keyDim
        self.feedForwardDim = feedForwardDim
        self.hiddenUnits = hiddenUnits
        self.numClasses = numClasses
        self.layerNormEps = layerNormEps
    }
}

extension TextClassifierConfig {
    /// From a JSON object with the keys vocab_size, max_length, embed_dim, num_heads, key_dim
    /// (default embed_dim), ff_dim, hidden_units, num_classes, layer_norm_eps (default 1e-6).
    public init(json c: JSONValue) throws {
        func int(_ k: String, _ d: Int? = nil) throws -> Int {
            if let v = c[k]?.intValue { return v }
            if let d { return d }
            throw BertConfig.Invalid.missingInteger(key: k, graph: "text-classifier")
        }
        let embed = try int("embed_dim")
        self.init(
            vocabSize: try int("vocab_size"), maxLength: try int("max_length"), embedDim: embed,
            numHeads: try int("num_heads"),
            keyDim: try int("key_dim", embed), feedForwardDim: try int("ff_dim"), hiddenUnits: try int("hidden_units"),
            numClasses: try int("num_classes"), layerNormEps: Float(c["layer_norm_eps"]?.doubleValue ?? 1e-6))
    }

    /// The same keys, for a graph-ready `.wkc` model section and `--config` files.
    public var json: JSONValue {
        .object([
            "vocab_size": .int(vocabSize), "max_length": .int(maxLength), "embed_dim": .int(embedDim),
            "num_heads": .int(numHeads),
            "key_dim": .int(keyDim), "ff_dim": .int(feedForwardDim), "hidden_units": .int(hiddenUnits),
            "num_classes": .int(numClasses),
            "layer_norm_eps": .double(Double(layerNormEps)),
        ])
    }
}

/// The Keras documentation's text classifier: token and position embedding, one transformer block, average pooling, two dense layers.
public final class TextClassifierModel: @unchecked Sendable {
    public let config: TextClassifierConfig
    private let p: [String: BoundTensor]

    /// Canonical parameter names, with Keras' own shapes: Dense kernels [in, out], attention
    /// kernels [embed, heads, key_dim] and output [heads, key_dim, embed], consumed as stored.
    public static func parameterTable(_ c: TextClassifierConfig) -> [ParameterSpec] {
        let E = c.embedDim, h = c.numHeads, k = c.keyDim
        func t(_ n: String, _ s: [Int]) -> ParameterSpec {
            .init(name: n, shape: s, optional: false, isLinearWeight: false)
        }
        var specs = [t("embedding.token", [c.vocabSize, E]), t("embedding.position", [c.maxLength, E])]
        for n in ["query", "key", "value"] {
            specs += [t("block.attention.\(n).kernel", [E, h, k]), t("block.attention.\(n).bias", [h, k])]
        }
        specs += [
            t("block.attention.output.kernel", [h, k, E]), t("block.attention.output.bias", [E]),
            t("block.ffn.0.kernel", [E, c.feedForwardDim]), t("block.ffn.0.bias", [c.feedForwardDim]),
            t("block.ffn.1.kernel", [c.feedForwardDim, E]), t("block.ffn.1.bias", [E]),
            t("block.norm1.gamma", [E]), t("block.norm1.beta", [E]), t("block.norm2.gamma", [E]),
            t("block.norm2.beta", [E]),
            t("hidden.kernel", [E, c.hiddenUnits]), t("hidden.bias", [c.hiddenUnits]),
            t("output.kernel", [c.hiddenUnits, c.numClasses]), t("output.bias", [c.numClasses]),
        ]
        return specs
    }

    public init(config: TextClassifierConfig, source: ParameterSource) throws {
        try GEMM.load()
        self.config = config
        var binder = ParameterBinder(graph: "text classifier", source: source)
        try binder.bind(TextClassifierModel.parameterTable(config))
        p = binder.bound
    }

    public static let outputNames = ["probabilities", "embedding", "transformer_block", "pooled", "hidden"]

    /// x[rows × in] · W[in × out] + b: a Keras Dense (or a flattened EinsumDense) as stored.
    private func dense(
        _ x: UnsafePointer<Float>, rows: Int, inF: Int, outF: Int, _ w: String, _ b: String,
        into y: UnsafeMutablePointer<Float>
    ) {
        GEMM.sgemm(m: rows, n: outF, k: inF, a: x, lda: inF, b: p[w]!.pointer, ldb: outF, c: y, ldc: outF)
        Kernels.addBias(y, rows: rows, cols: outF, bias: p[b]!.pointer)
    }

    public func forward(tokenIds: [[Int]], outputs wanted: Set<String>) throws -> [String: GraphOutput] {
        let c = config
        let B = tokenIds.count, T = c.maxLength, E = c.embedDim, h = c.numHeads, k = c.keyDim, HK = h * k
        guard B > 0, tokenIds.allSatisfy({ $0.count == T }) else {
            throw BertModel.InvalidInput(description: "token_ids must be [batch, \(T)]")
        }
        for row in tokenIds {
            for id in row where id < 0 || id >= c.vocabSize {
                throw BertModel.InvalidInput(description: "token id \(id) outside the vocabulary (\(c.vocabSize))")
            }
        }
        let N = B * T
        var recorder = OutputRecorder(wanted: wanted)
        func record(_ name: String, _ x: UnsafePointer<Float>, _ shape: [Int]) { recorder.record(name, x, shape) }
        let x = FloatBuffer(count: N * E)
        let tok = p["embedding.token"]!.pointer, pos = p["embedding.position"]!.pointer
        for b in 0..<B {
            for t in 0..<T {
                let row = x.pointer + (b * T + t) * E, w = tok + tokenIds[b][t] * E, ps = pos + t * E
                for j in 0..<E { row[j] = w[j] + ps[j] }
            }
        }
        record("embedding", x.pointer, [B, T, E])

        // Multi-head attention, Keras layout: q = x·Wq + bq with Wq [E, h·k].
        let q = FloatBuffer(count: N * HK), kk = FloatBuffer(count: N * HK), v = FloatBuffer(count: N * HK)
        dense(
            x.pointer, rows: N, inF: E, outF: HK, "block.attention.query.kernel", "block.attention.query.bias",
            into: q.pointer)
        dense(
            x.pointer, rows: N, inF: E, outF: HK, "block.attention.key.kernel", "block.attention.key.bias",
            into: kk.pointer)
        dense(
            x.pointer, rows: N, inF: E, outF: HK, "block.attention.value.kernel", "block.attention.value.bias",
            into: v.pointer)
        let ctx = FloatBuffer(count: N * HK)
        Attention.run(
            q: q.pointer, k: kk.pointer, v: v.pointer, ctx: ctx.pointer, batch: B, seq: T, heads: h, headDim: k,
            rowStride: HK, ctxStride: HK, scale: 1 / Float(k).squareRoot(), additiveMask: nil, threads: 2)
        let out1 = FloatBuffer(count: N * E)
        dense(
            ctx.pointer, rows: N, inF: HK, outF: E, "block.attention.output.kernel", "block.attention.output.bias",
            into: out1.pointer)
        Kernels.add(out1.pointer, x.pointer, count: N * E)
        Kernels.layerNorm(
            out1.pointer, rows: N, cols: E, gamma: p["block.norm1.gamma"]!.pointer,
            beta: p["block.norm1.beta"]!.pointer, eps: c.layerNormEps)
        let ff = FloatBuffer(count: N * c.feedForwardDim)
        dense(
            out1.pointer, rows: N, inF: E, outF: c.feedForwardDim, "block.ffn.0.kernel", "block.ffn.0.bias",
            into: ff.pointer)
        Kernels.activate(ff.pointer, count: N * c.feedForwardDim, .relu)
        let out2 = FloatBuffer(count: N * E)
        dense(
            ff.pointer, rows: N, inF: c.feedForwardDim, outF: E, "block.ffn.1.kernel", "block.ffn.1.bias",
            into: out2.pointer)
        Kernels.add(out2.pointer, out1.pointer, count: N * E)
        Kernels.layerNorm(
            out2.pointer, rows: N, cols: E, gamma: p["block.norm2.gamma"]!.pointer,
            beta: p["block.norm2.beta"]!.pointer, eps: c.layerNormEps)
        record("transformer_block", out2.pointer, [B, T, E])

        // GlobalAveragePooling1D (no mask: every position counts), Dense(relu), Dense(softmax).
        let pooled = FloatBuffer(count: B * E)
        for b in 0..<B {
            Kernels.maskedMean(
                out2.pointer + b * T * E, rows: T, cols: E, mask: Array(repeating: 1, count: T),
                into: pooled.pointer + b * E)
        }
        record("pooled", pooled.pointer, [B, E])
        let hidden = FloatBuffer(count: B * c.hiddenUnits)
        dense(
            pooled.pointer, rows: B, inF: E, outF: c.hiddenUnits, "hidden.kernel", "hidden.bias", into: hidden.pointer)
        Kernels.activate(hidden.pointer, count: B * c.hiddenUnits, .relu)
        record("hidden", hidden.pointer, [B, c.hiddenUnits])
        let probs = FloatBuffer(count: B * c.numClasses)
        dense(
            hidden.pointer, rows: B, inF: c.hiddenUnits, outF: c.numClasses, "output.kernel", "output.bias",
            into: probs.pointer)
        Kernels.softmaxRows(probs.pointer, rows: B, cols: c.numClasses, mask: nil)
        record("probabilities", probs.pointer, [B, c.numClasses])
        return recorder.outputs
    }
}
