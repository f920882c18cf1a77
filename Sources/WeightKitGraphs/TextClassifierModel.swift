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
    private let layers: BoundLayers

    /// The layers, each with its canonical parameter names and Keras' own shapes: Dense kernels
    /// [in, out], attention kernels [embed, heads, key_dim] and output [heads, key_dim, embed],
    /// consumed as stored. The parameter table and the binding both come from this one list.
    struct Layers {
        let token, position: EmbeddingTable
        let query, key, value, attentionOutput, ffn0, ffn1, hidden, output: KerasDense
        let norm1, norm2: LayerNorm

        init(_ c: TextClassifierConfig) {
            let E = c.embedDim, h = c.numHeads, k = c.keyDim, F = c.feedForwardDim
            token = EmbeddingTable(name: "embedding.token", rows: c.vocabSize, dim: E)
            position = EmbeddingTable(name: "embedding.position", rows: c.maxLength, dim: E)
            func projection(_ n: String) -> KerasDense {
                KerasDense(
                    name: "block.attention.\(n)", kernelShape: [E, h, k], biasShape: [h, k], inFeatures: E,
                    outFeatures: h * k)
            }
            (query, key, value) = (projection("query"), projection("key"), projection("value"))
            attentionOutput = KerasDense(
                name: "block.attention.output", kernelShape: [h, k, E], biasShape: [E], inFeatures: h * k,
                outFeatures: E)
            func dense(_ n: String, _ i: Int, _ o: Int) -> KerasDense {
                KerasDense(name: n, kernelShape: [i, o], biasShape: [o], inFeatures: i, outFeatures: o)
            }
            ffn0 = dense("block.ffn.0", E, F)
            ffn1 = dense("block.ffn.1", F, E)
            norm1 = LayerNorm(name: "block.norm1", dim: E, eps: c.layerNormEps, spelling: .keras)
            norm2 = LayerNorm(name: "block.norm2", dim: E, eps: c.layerNormEps, spelling: .keras)
            hidden = dense("hidden", E, c.hiddenUnits)
            output = dense("output", c.hiddenUnits, c.numClasses)
        }

        /// In the order Keras keeps the weights (the parameter table's order).
        var all: [any LayerDeclaration] {
            [token, position, query, key, value, attentionOutput, ffn0, ffn1, norm1, norm2, hidden, output]
        }
    }

    /// The layers bound to their tensors.
    struct BoundLayers {
        let token, position: EmbeddingTable.Bound
        let query, key, value, attentionOutput, ffn0, ffn1, hidden, output: KerasDense.Bound
        let norm1, norm2: LayerNorm.Bound

        init(_ l: Layers, _ b: [String: BoundTensor]) {
            (token, position) = (l.token.bind(b), l.position.bind(b))
            (query, key, value, attentionOutput) = (
                l.query.bind(b), l.key.bind(b), l.value.bind(b), l.attentionOutput.bind(b)
            )
            (ffn0, ffn1, hidden, output) = (l.ffn0.bind(b), l.ffn1.bind(b), l.hidden.bind(b), l.output.bind(b))
            (norm1, norm2) = (l.norm1.bind(b), l.norm2.bind(b))
        }
    }

    /// Canonical parameter names and shapes, from the layers.
    public static func parameterTable(_ c: TextClassifierConfig) -> [ParameterSpec] { Layers(c).all.flatMap(\.specs) }

    public init(config: TextClassifierConfig, source: ParameterSource) throws {
        try GEMM.load()
        self.config = config
        var binder = ParameterBinder(graph: "text classifier", source: source)
        let declared = Layers(config)
        try binder.bind(declared.all.flatMap(\.specs))
        layers = BoundLayers(declared, binder.bound)
    }

    public static let outputNames = ["probabilities", "embedding", "transformer_block", "pooled", "hidden"]

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
        let l = layers
        let x = FloatBuffer(count: N * E)
        for b in 0..<B {
            for t in 0..<T {
                let row = x.pointer + (b * T + t) * E, w = l.token.row(tokenIds[b][t]), ps = l.position.row(t)
                for j in 0..<E { row[j] = w[j] + ps[j] }
            }
        }
        record("embedding", x.pointer, [B, T, E])

        // Multi-head attention, Keras layout: q = x·Wq + bq with Wq [E, h·k].
        let q = FloatBuffer(count: N * HK), kk = FloatBuffer(count: N * HK), v = FloatBuffer(count: N * HK)
        l.query(x.pointer, rows: N, into: q.pointer)
        l.key(x.pointer, rows: N, into: kk.pointer)
        l.value(x.pointer, rows: N, into: v.pointer)
        let ctx = FloatBuffer(count: N * HK)
        Attention.run(
            q: q.pointer, k: kk.pointer, v: v.pointer, ctx: ctx.pointer, batch: B, seq: T, heads: h, headDim: k,
            rowStride: HK, ctxStride: HK, scale: 1 / Float(k).squareRoot(), additiveMask: nil, threads: 2)
        let out1 = FloatBuffer(count: N * E)
        l.attentionOutput(ctx.pointer, rows: N, into: out1.pointer)
        Kernels.add(out1.pointer, x.pointer, count: N * E)
        l.norm1(out1.pointer, rows: N)
        let ff = FloatBuffer(count: N * c.feedForwardDim)
        l.ffn0(out1.pointer, rows: N, into: ff.pointer)
        Kernels.activate(ff.pointer, count: N * c.feedForwardDim, .relu)
        let out2 = FloatBuffer(count: N * E)
        l.ffn1(ff.pointer, rows: N, into: out2.pointer)
        Kernels.add(out2.pointer, out1.pointer, count: N * E)
        l.norm2(out2.pointer, rows: N)
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
        l.hidden(pooled.pointer, rows: B, into: hidden.pointer)
        Kernels.activate(hidden.pointer, count: B * c.hiddenUnits, .relu)
        record("hidden", hidden.pointer, [B, c.hiddenUnits])
        let probs = FloatBuffer(count: B * c.numClasses)
        l.output(hidden.pointer, rows: B, into: probs.pointer)
        Kernels.softmaxRows(probs.pointer, rows: B, cols: c.numClasses, mask: nil)
        record("probabilities", probs.pointer, [B, c.numClasses])
        return recorder.outputs
    }
}
