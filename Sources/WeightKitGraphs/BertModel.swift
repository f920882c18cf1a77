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
    private let layers: BoundLayers
    /// Per layer: the query, key and value weights side by side, [H, 3H], so one GEMM makes all
    /// three (a third of the calls, and a wider N that the kernel uses better), with their biases —
    /// made only when the weights were copied at bind time anyway; weights used in place from a
    /// graph-ready file stay in place (no weight bytes copied) and run as three GEMMs.
    private let qkv: [(weight: FloatBuffer, bias: FloatBuffer)]?
    /// True when every weight is used in place from the checkpoint's mapping.
    public let weightsInPlace: Bool
    /// The arithmetic of the encoder's linear layers (the heads, attention and LayerNorm are f32).
    public let precision: Precision
    /// Per layer, the linear layers packed for a bf16 / int8 kernel at bind time (nil at f32).
    private let packed: [PackedEncoder]?
    /// How many encoder layers run from weights stored packed in the file (used as stored).
    public let storedLayers: Int

    struct PackedEncoder {
        let qkv: PackedMatmul
        let qkvBias: FloatBuffer
        let attentionOutput, intermediate, output: PackedMatmul
        /// Bytes of a query-key-value join made at bind (the stored three were not one matrix).
        var joinedBytes = 0
        var all: [PackedMatmul] { [qkv, attentionOutput, intermediate, output] }
    }

    /// Bytes of bf16 / int8 weights held in memory besides the checkpoint: 0 when every packed
    /// layer reads a `.wkc`'s stored bytes in place; everything when packed at bind.
    public var packedWeightBytesCopied: Int {
        packed?.reduce(0) { $0 + $1.joinedBytes + $1.all.reduce(0) { $0 + $1.ownedWeightBytes } } ?? 0
    }

    /// The kernels the forward pass runs, for `bench` and reports.
    public var kernels: String {
        let gemm = "linear layers: " + (packed?.first?.qkv.kernel ?? GEMM.backend)
        return precision == .f32 ? gemm : gemm + "; attention: \(GEMM.backend)"
    }

    /// The layers of one architecture and config, each with its canonical names (the
    /// architecture's Hugging Face PyTorch spelling, Linear weights [out, in]): the parameter
    /// table and the binding both come from this one list.
    struct Layers {
        struct Encoder {
            let query, key, value, attentionOutput, intermediate, output: Linear
            let attentionNorm, outputNorm: LayerNorm
            var all: [any LayerDeclaration] {
                [query, key, value, attentionOutput, attentionNorm, intermediate, output, outputNorm]
            }
            /// The linear layers a bf16 / int8 kernel runs, in the order a packed file stores them.
            var linears: [Linear] { [query, key, value, attentionOutput, intermediate, output] }
        }
        let word, position: EmbeddingTable
        let tokenTypes: EmbeddingTable?
        let embeddingsNorm: LayerNorm
        let encoder: [Encoder]
        let pooler, headHidden, headOutput: Linear?

        init(_ c: BertConfig, pooler withPooler: Bool, classifier: Bool) {
            let a = c.architecture, H = c.hiddenSize, I = c.intermediateSize, eps = c.layerNormEps
            word = EmbeddingTable(name: a.wordEmbeddings + ".weight", rows: c.vocabSize, dim: H)
            position = EmbeddingTable(name: a.positionEmbeddings + ".weight", rows: c.maxPositions, dim: H)
            tokenTypes = a.tokenTypeEmbeddings.map {
                EmbeddingTable(name: $0 + ".weight", rows: c.typeVocabSize, dim: H)
            }
            embeddingsNorm = LayerNorm(name: a.embeddingsNorm, dim: H, eps: eps)
            encoder = (0..<c.numLayers).map { l in
                let n = a.layer
                func linear(_ s: String, _ o: Int, _ i: Int) -> Linear {
                    Linear(name: a.layerName(l, s), outFeatures: o, inFeatures: i)
                }
                return Encoder(
                    query: linear(n.query, H, H), key: linear(n.key, H, H), value: linear(n.value, H, H),
                    attentionOutput: linear(n.attentionOutput, H, H), intermediate: linear(n.intermediate, I, H),
                    output: linear(n.output, H, I),
                    attentionNorm: LayerNorm(name: a.layerName(l, n.attentionNorm), dim: H, eps: eps),
                    outputNorm: LayerNorm(name: a.layerName(l, n.outputNorm), dim: H, eps: eps))
            }
            // The heads are used when the checkpoint has them.
            pooler = withPooler ? a.pooler.map { Linear(name: $0, outFeatures: H, inFeatures: H, optional: true) } : nil
            let labels = classifier ? c.numLabels : nil
            headHidden =
                labels == nil
                ? nil : a.head.hidden.map { Linear(name: $0.name, outFeatures: H, inFeatures: H, optional: true) }
            headOutput = labels.map { Linear(name: a.head.output, outFeatures: $0, inFeatures: H, optional: true) }
        }

        var all: [any LayerDeclaration] {
            var l: [any LayerDeclaration] = [word, position]
            if let tokenTypes { l.append(tokenTypes) }
            l.append(embeddingsNorm)
            for e in encoder { l += e.all }
            for head in [pooler, headHidden, headOutput] { if let head { l.append(head) } }
            return l
        }
    }

    /// The layers bound to their tensors (the query, key and value of a layer are nil once fused).
    struct BoundLayers {
        struct Encoder {
            let query, key, value: Linear.Bound?
            let attentionOutput, intermediate, output: Linear.Bound
            let attentionNorm, outputNorm: LayerNorm.Bound
        }
        let word, position: EmbeddingTable.Bound
        let tokenTypes: EmbeddingTable.Bound?
        let embeddingsNorm: LayerNorm.Bound
        let encoder: [Encoder]
        let pooler, headHidden, headOutput: Linear.Bound?

        /// `stored`: the layers whose linear weights a kernel holds as stored in the file (only
        /// their biases are bound here).
        init(_ l: Layers, _ b: [String: BoundTensor], fusedQKV: Bool, stored: Set<Int> = []) {
            word = l.word.bind(b)
            position = l.position.bind(b)
            tokenTypes = l.tokenTypes?.bind(b)
            embeddingsNorm = l.embeddingsNorm.bind(b)
            encoder = l.encoder.enumerated().map { i, e in
                let fused = fusedQKV || stored.contains(i), held = stored.contains(i)
                return Encoder(
                    query: fused ? nil : e.query.bind(b), key: fused ? nil : e.key.bind(b),
                    value: fused ? nil : e.value.bind(b),
                    attentionOutput: e.attentionOutput.bind(b, weightless: held)!,
                    intermediate: e.intermediate.bind(b, weightless: held)!,
                    output: e.output.bind(b, weightless: held)!,
                    attentionNorm: e.attentionNorm.bind(b),
                    outputNorm: e.outputNorm.bind(b))
            }
            pooler = l.pooler?.bind(b)
            headHidden = l.headHidden?.bind(b)
            headOutput = l.headOutput?.bind(b)
        }
    }

    /// The parameters, from the layers.
    public static func parameterTable(_ c: BertConfig, pooler: Bool = true, classifier: Bool = false) -> [ParameterSpec]
    {
        Layers(c, pooler: pooler, classifier: classifier).all.flatMap(\.specs)
    }

    /// Binds every parameter from `source`; the pooler and classifier are used when present. At
    /// `precision` bf16 or int8 the encoder's linear layers run in that kernel (it throws
    /// `PackedMatmul.Unavailable` where the CPU or the build has none): weights the source holds
    /// packed at that precision (a `.wkc` written with `convert --precision`) are used as stored,
    /// in place; others are packed from float32 at bind. nil: the precision the source's weights
    /// are stored in (`storedPrecision`). At f32, packed weights are decoded to float32.
    public init(config: BertConfig, source: ParameterSource, precision requested: Precision? = nil) throws {
        try GEMM.load()
        self.config = config
        let a = config.architecture
        hasPooler = try a.pooler.map { try source.tensor(for: $0 + ".weight") != nil } ?? false
        // BERT's head reads the pooler output: without a pooler there is no classifier either.
        hasClassifier =
            try config.numLabels != nil && source.tensor(for: a.head.output + ".weight") != nil
            && (a.head.input == .firstToken || hasPooler)
        var binder = ParameterBinder(graph: a.kind.rawValue == "bert" ? "BERT" : a.kind.rawValue, source: source)
        let declared = Layers(config, pooler: hasPooler, classifier: hasClassifier)
        let precision = requested ?? Self.storedPrecision(declared, source)
        self.precision = precision
        // Layers whose six linear weights are all stored packed at this precision: used as stored.
        let held: [Int: [PackedTensor]] =
            precision == .f32
            ? [:]
            : Dictionary(
                uniqueKeysWithValues: declared.encoder.enumerated().compactMap { i, e in
                    Self.storedWeights(e, source, precision: precision).map { (i, $0) }
                })
        storedLayers = held.count
        let heldNames = Set(held.keys.flatMap { declared.encoder[$0].linears.map { $0.name + ".weight" } })
        try binder.bind(declared.all.flatMap(\.specs).filter { !heldNames.contains($0.name) })
        weightsInPlace = binder.bound.values.allSatisfy { !$0.copied }
        if precision != .f32, !held.isEmpty {
            layers = BoundLayers(declared, binder.bound, fusedQKV: false, stored: Set(held.keys))
            qkv = nil
            packed = try layers.encoder.enumerated().map { l, e in
                let biases = [declared.encoder[l].query, declared.encoder[l].key, declared.encoder[l].value].map {
                    binder.bound[$0.name + ".bias"]!
                }
                if let weights = held[l] {
                    return try Self.packStored(
                        weights, qkvBiases: biases, precision: precision, hidden: config.hiddenSize)
                }
                return try Self.pack(e, precision: precision, hidden: config.hiddenSize)
            }
            return
        }
        if precision != .f32 {
            layers = BoundLayers(declared, binder.bound, fusedQKV: false)
            qkv = nil
            packed = try layers.encoder.map { e in
                let p = try Self.pack(e, precision: precision, hidden: config.hiddenSize)
                // The float32 originals are not read again: let a mapped file's pages go.
                for t in [e.query, e.key, e.value, e.attentionOutput, e.intermediate, e.output] as [Linear.Bound?] {
                    t?.weight?.releaseResidentPages()
                }
                return p
            }
            return
        }
        packed = nil
        guard !weightsInPlace else {
            layers = BoundLayers(declared, binder.bound, fusedQKV: false)
            qkv = nil
            return
        }
        // The separate q/k/v tensors are dropped once fused (no second copy of them stays: the
        // binder, their only other holder, ends here).
        let H = config.hiddenSize
        layers = BoundLayers(declared, binder.bound, fusedQKV: true)
        qkv = declared.encoder.map { e in
            Self.fuseQKV([e.query, e.key, e.value].map { $0.bind(binder.bound)! }, hidden: H)
        }
    }

    /// The query, key and value of a layer side by side, [H, 3H] with biases [3H], so one GEMM
    /// makes all three; from weights held either way round ([in, out] rows copied, [out, in] transposed).
    private static func fuseQKV(_ projections: [Linear.Bound], hidden H: Int) -> (
        weight: FloatBuffer, bias: FloatBuffer
    ) {
        let w = FloatBuffer(count: H * 3 * H), b = FloatBuffer(count: 3 * H)
        for (j, projection) in projections.enumerated() {
            let t = projection.weight!
            for i in 0..<H {
                let row = w.pointer + i * 3 * H + j * H
                if t.layout == .inOut {
                    row.update(from: t.pointer + i * H, count: H)
                } else {
                    for o in 0..<H { row[o] = t.pointer[o * H + i] }
                }
            }
            (b.pointer + j * H).update(from: projection.bias.pointer, count: H)
        }
        return (w, b)
    }

    /// Per encoder layer, the canonical names of the linear weights a bf16 / int8 kernel runs
    /// (query, key, value, attention output, intermediate, output) with their [in, out] shapes.
    public static func encoderLinearWeights(_ c: BertConfig) -> [[(name: String, inFeatures: Int, outFeatures: Int)]] {
        Layers(c, pooler: false, classifier: false).encoder.map { e in
            e.linears.map { ($0.name + ".weight", $0.inFeatures, $0.outFeatures) }
        }
    }

    /// The precision the source's encoder weights are stored in: bf16 / int8 when the first
    /// layer's are packed (a `.wkc` from `convert --precision`), else f32.
    static func storedPrecision(_ layers: Layers, _ source: ParameterSource) -> Precision {
        guard let q = layers.encoder.first.flatMap({ source.packedTensor(for: $0.query.name + ".weight") }) else {
            return .f32
        }
        return q.dtype == .bf16 ? .bf16 : q.dtype == .i8 ? .int8 : .f32
    }

    /// One layer's six linear weights as stored packed at `precision` (query, key, value,
    /// attention output, intermediate, output), or nil unless all six are, with the expected shapes.
    static func storedWeights(_ e: Layers.Encoder, _ source: ParameterSource, precision: Precision) -> [PackedTensor]? {
        let want: DType = precision == .bf16 ? .bf16 : .i8
        let weights = e.linears.compactMap { l -> PackedTensor? in
            guard let t = source.packedTensor(for: l.name + ".weight"), t.dtype == want,
                t.shape == [l.inFeatures, l.outFeatures]
            else { return nil }
            return t
        }
        return weights.count == e.linears.count ? weights : nil
    }

    /// One layer from weights stored packed: the query, key and value, written back to back in
    /// the file (a blocked layout keeps whole column tiles together), are one [H, 3H] matrix in
    /// place; otherwise they are joined into one copy (the rest stay in place). int8 scales are
    /// copied (3H floats).
    private static func packStored(
        _ w: [PackedTensor], qkvBiases: [BoundTensor], precision: Precision, hidden H: Int
    ) throws -> PackedEncoder {
        func matmul(
            _ t: PackedTensor, bytes: UnsafeRawBufferPointer? = nil, scales: [Float]? = nil, outFeatures: Int? = nil,
            storage: AnyObject? = nil
        ) throws -> PackedMatmul {
            let s = scales ?? t.scales.map(Array.init) ?? []
            return try s.withUnsafeBufferPointer { sp in
                try PackedMatmul(
                    precision: precision, inFeatures: t.shape[0], outFeatures: outFeatures ?? t.shape[1],
                    layout: t.layout.description, packed: bytes ?? t.bytes, scales: s.isEmpty ? nil : sp,
                    storage: storage ?? t.owner)
            }
        }
        let (q, k, v) = (w[0], w[1], w[2])
        let contiguous =
            q.layout == k.layout && k.layout == v.layout && H % q.layout.b == 0
            && k.bytes.baseAddress == q.bytes.baseAddress! + q.bytes.count
            && v.bytes.baseAddress == k.bytes.baseAddress! + k.bytes.count
        var joined: OwnedBytes? = nil
        let qkvBytes: UnsafeRawBufferPointer
        if contiguous {
            qkvBytes = UnsafeRawBufferPointer(start: q.bytes.baseAddress, count: 3 * q.bytes.count)
        } else {
            // Not one matrix as stored (H not a whole number of column tiles, or apart in the
            // file): the three unpacked side by side, [H, 3H], and packed again in the query's layout.
            let es = q.dtype.bitSize / 8, rowBytes = H * es
            let plain = OwnedBytes(count: H * 3 * rowBytes)
            let part = OwnedBytes(count: H * rowBytes)
            for (j, t) in [q, k, v].enumerated() {
                t.layout.unpack(t.bytes, rows: H, cols: H, elementSize: es, into: part.buffer)
                for r in 0..<H {
                    (plain.buffer.baseAddress! + r * 3 * rowBytes + j * rowBytes).copyMemory(
                        from: part.buffer.baseAddress! + r * rowBytes, byteCount: rowBytes)
                }
            }
            let size = q.layout.byteCount(rows: H, cols: 3 * H, elementSize: es)!
            let j = OwnedBytes(count: size)
            let out = UnsafeMutableRawBufferPointer(rebasing: j.buffer[0..<size])
            q.layout.pack(UnsafeRawBufferPointer(plain.buffer), rows: H, cols: 3 * H, elementSize: es, into: out)
            joined = j
            qkvBytes = UnsafeRawBufferPointer(out)
        }
        let scales = precision == .int8 ? [q, k, v].flatMap { Array($0.scales!) } : nil
        let bias = FloatBuffer(count: 3 * H)
        for (j, b) in qkvBiases.enumerated() { (bias.pointer + j * H).update(from: b.pointer, count: H) }
        return PackedEncoder(
            qkv: try matmul(q, bytes: qkvBytes, scales: scales, outFeatures: 3 * H, storage: joined ?? q.owner),
            qkvBias: bias, attentionOutput: try matmul(w[3]), intermediate: try matmul(w[4]), output: try matmul(w[5]),
            joinedBytes: joined?.buffer.count ?? 0)
    }

    /// Packs one layer's linear layers (the query, key and value side by side, [H, 3H]).
    private static func pack(_ e: BoundLayers.Encoder, precision: Precision, hidden H: Int) throws -> PackedEncoder {
        func packed(_ t: BoundTensor) throws -> PackedMatmul {
            let (inF, outF) = t.layout == .inOut ? (t.shape[0], t.shape[1]) : (t.shape[1], t.shape[0])
            return try PackedMatmul(
                precision: precision, inFeatures: inF, outFeatures: outF, weights: t.pointer,
                rowStride: t.shape[1], transposed: t.layout == .outIn)
        }
        let (w, b) = fuseQKV([e.query!, e.key!, e.value!], hidden: H)
        let qkv = try PackedMatmul(
            precision: precision, inFeatures: H, outFeatures: 3 * H, weights: w.pointer, rowStride: 3 * H,
            transposed: false)
        return PackedEncoder(
            qkv: qkv, qkvBias: b, attentionOutput: try packed(e.attentionOutput.weight!),
            intermediate: try packed(e.intermediate.weight!), output: try packed(e.output.weight!))
    }

    /// One batch: token ids, and optionally the attention mask and token types ([batch, sequence] each).
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

    /// A batch the graph cannot run (ragged rows, ids outside the vocabulary, too long a sequence).
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
        let c = config, a = config.architecture
        let B = inputs.inputIds.count
        guard B > 0, let S = inputs.inputIds.first?.count, S > 0, inputs.inputIds.allSatisfy({ $0.count == S }) else {
            throw InvalidInput(
                description: "input_ids must be a non-empty [batch, sequence] array with equal row lengths")
        }
        guard S <= c.maxPositions else {
            throw InvalidInput(description: "sequence length \(S) exceeds max_position_embeddings \(c.maxPositions)")
        }
        let mask = inputs.attentionMask ?? Array(repeating: Array(repeating: 1, count: S), count: B)
        let types = inputs.tokenTypeIds ?? Array(repeating: Array(repeating: 0, count: S), count: B)
        if a.tokenTypeEmbeddings == nil, types.contains(where: { $0.contains { $0 != 0 } }) {
            throw InvalidInput(
                description: "\(a.kind.rawValue) has no token types: token_type_ids must be absent or zero")
        }
        guard mask.count == B, mask.allSatisfy({ $0.count == S }), types.count == B, types.allSatisfy({ $0.count == S })
        else {
            throw InvalidInput(
                description: "attention_mask and token_type_ids must have the shape of input_ids [\(B), \(S)]")
        }
        for row in inputs.inputIds {
            for id in row where id < 0 || id >= c.vocabSize {
                throw InvalidInput(description: "token id \(id) outside the vocabulary (\(c.vocabSize))")
            }
        }
        if a.tokenTypeEmbeddings != nil {
            for row in types {
                for t in row where t < 0 || t >= c.typeVocabSize {
                    throw InvalidInput(description: "token type \(t) outside type_vocab_size \(c.typeVocabSize)")
                }
            }
        }
        let positions = try Self.positionIds(
            inputs.inputIds, a.positions, paddingIdx: c.paddingIdx, maxPositions: c.maxPositions)

        let H = c.hiddenSize, I = c.intermediateSize, N = B * S, nh = c.numHeads, dh = H / nh
        var recorder = OutputRecorder(wanted: wanted)
        func record(_ name: String, _ x: UnsafePointer<Float>, _ shape: [Int]) { recorder.record(name, x, shape) }

        // Embeddings.
        let L = layers
        let x = FloatBuffer(count: N * H)
        for b in 0..<B {
            for s in 0..<S {
                let row = x.pointer + (b * S + s) * H
                let w = L.word.row(inputs.inputIds[b][s]), ps = L.position.row(positions[b][s])
                if let typ = L.tokenTypes {
                    let t = typ.row(types[b][s])
                    for j in 0..<H { row[j] = w[j] + ps[j] + t[j] }
                } else {
                    for j in 0..<H { row[j] = w[j] + ps[j] }
                }
            }
        }
        L.embeddingsNorm(x.pointer, rows: N)
        record("hidden_states.0", x.pointer, [B, S, H])

        // Encoder.
        let qkvOut = FloatBuffer(count: N * 3 * H)
        let ctx = FloatBuffer(count: N * H), tmp = FloatBuffer(count: N * H), inter = FloatBuffer(count: N * I)
        let additive: [[Float]] = mask.map { $0.map { $0 == 0 ? c.maskValue : 0 } }
        let scale = 1 / Float(dh).squareRoot()
        // Scratch for the packed kernels (bf16 rows, or u8 rows and int32 accumulators), sized for
        // the widest layer.
        let scratchBytes = packed.map { $0.flatMap(\.all).map { $0.scratchBytes(rows: N) }.max() ?? 0 }
        let scratch = scratchBytes.map { UnsafeMutableRawPointer.allocate(byteCount: max($0, 64), alignment: 64) }
        defer { scratch?.deallocate() }
        // Row ranges of the element-wise epilogues, split over the GEMM library's team.
        func rows(_ body: (Range<Int>) -> Void) { Parallel.forRanges(N, threads: threads, grain: 16, body) }
        // One linear layer without its bias, packed or through sgemm (the epilogues add it).
        func project(_ packed: PackedMatmul?, _ f32: Linear.Bound, _ from: FloatBuffer, into y: FloatBuffer) {
            if let packed {
                packed(from.pointer, rows: N, into: y.pointer, scratch: scratch!)
            } else {
                f32.project(from.pointer, rows: N, into: y.pointer)
            }
        }
        // y ← LayerNorm(y + bias + residual), the epilogue after the attention output and the FFN.
        func addAndNorm(_ y: FloatBuffer, residual: FloatBuffer, bias: Linear.Bound, norm: LayerNorm.Bound) {
            rows { r in
                let o = r.lowerBound * H
                Kernels.biasResidualLayerNorm(
                    y.pointer + o, residual: residual.pointer + o, rows: r.count, cols: H, bias: bias.bias.pointer,
                    gamma: norm.gamma.pointer, beta: norm.beta.pointer, eps: norm.eps)
            }
        }
        for (l, layer) in L.encoder.enumerated() {
            let p = packed?[l]
            let fusedBias = p?.qkvBias ?? qkv?[l].bias
            if let p {
                p.qkv(x.pointer, rows: N, into: qkvOut.pointer, scratch: scratch!)
            } else if let qkv {
                GEMM.sgemm(
                    m: N, n: 3 * H, k: H, a: x.pointer, lda: H, b: qkv[l].weight.pointer, ldb: 3 * H, c: qkvOut.pointer,
                    ldc: 3 * H)
            }
            if let fusedBias {
                rows { r in
                    Kernels.addBias(
                        qkvOut.pointer + r.lowerBound * 3 * H, rows: r.count, cols: 3 * H, bias: fusedBias.pointer)
                }
            } else {
                // Three GEMMs straight from the mapped weights, into the same interleaved rows.
                for (j, projection) in [layer.query, layer.key, layer.value].enumerated() {
                    let t = projection!
                    GEMM.sgemm(
                        m: N, n: H, k: H, a: x.pointer, lda: H, b: t.weight!.pointer, ldb: H, c: qkvOut.pointer + j * H,
                        ldc: 3 * H)
                    let bias = t.bias.pointer
                    rows { r in
                        Kernels.addBias(
                            qkvOut.pointer + r.lowerBound * 3 * H + j * H, rows: r.count, cols: H, stride: 3 * H,
                            bias: bias)
                    }
                }
            }
            Attention.run(
                q: qkvOut.pointer, k: qkvOut.pointer + H, v: qkvOut.pointer + 2 * H, ctx: ctx.pointer, batch: B, seq: S,
                heads: nh, headDim: dh, rowStride: 3 * H, ctxStride: H, scale: scale, additiveMask: additive,
                threads: threads)
            // tmp = LayerNorm(ctx·Wo + bo + x); inter = act(tmp·Wi + bi); x = LayerNorm(inter·Wd + bd + tmp).
            project(p?.attentionOutput, layer.attentionOutput, ctx, into: tmp)
            addAndNorm(tmp, residual: x, bias: layer.attentionOutput, norm: layer.attentionNorm)
            project(p?.intermediate, layer.intermediate, tmp, into: inter)
            let ib = layer.intermediate.bias.pointer
            rows { r in
                Kernels.biasActivate(inter.pointer + r.lowerBound * I, rows: r.count, cols: I, bias: ib, c.activation)
            }
            project(p?.output, layer.output, inter, into: x)
            addAndNorm(x, residual: tmp, bias: layer.output, norm: layer.outputNorm)
            record("hidden_states.\(l + 1)", x.pointer, [B, S, H])
        }
        record("last_hidden_state", x.pointer, [B, S, H])

        // Heads.
        let first = FloatBuffer(count: B * H)
        for b in 0..<B { (first.pointer + b * H).update(from: x.pointer + b * S * H, count: H) }
        var pooled: FloatBuffer? = nil
        if let pooler = L.pooler,
            wanted.contains("pooler_output") || (wanted.contains("logits") && a.head.input == .pooled)
        {
            let out = FloatBuffer(count: B * H)
            pooler(first.pointer, rows: B, into: out.pointer)
            Kernels.activate(out.pointer, count: B * H, .tanh)
            record("pooler_output", out.pointer, [B, H])
            pooled = out
        }
        if hasClassifier, let labels = c.numLabels, let head = L.headOutput, wanted.contains("logits") {
            var input = a.head.input == .pooled ? pooled! : first
            if let hidden = L.headHidden, let activation = a.head.hidden?.activation {
                let h = FloatBuffer(count: B * H)
                hidden(input.pointer, rows: B, into: h.pointer)
                Kernels.activate(h.pointer, count: B * H, activation)
                input = h
            }
            let logits = FloatBuffer(count: B * labels)
            head(input.pointer, rows: B, into: logits.pointer)
            record("logits", logits.pointer, [B, labels])
        }
        if wanted.contains("sentence_embedding") {
            let emb = FloatBuffer(count: B * H)
            for b in 0..<B {
                Kernels.maskedMean(
                    x.pointer + b * S * H, rows: S, cols: H, mask: mask[b].map(Float.init), into: emb.pointer + b * H)
                Kernels.l2Normalize(emb.pointer + b * H, count: H)
            }
            record("sentence_embedding", emb.pointer, [B, H])
        }
        return recorder.outputs
    }
}

extension BertModel {
    /// Position ids per token: 0, 1, 2, … or, for RoBERTa, `padding_idx` at padding tokens and
    /// `padding_idx + 1 + k` at the k-th non-padding token (Hugging Face's
    /// `create_position_ids_from_input_ids`, which looks at the ids, not at the attention mask).
    static func positionIds(_ ids: [[Int]], _ style: BertArchitecture.Positions, paddingIdx: Int, maxPositions: Int)
        throws -> [[Int]]
    {
        switch style {
        case .fromZero:
            return ids.map { Array(0..<$0.count) }
        case .afterPadding:
            let out = ids.map { row -> [Int] in
                var k = 0
                return row.map { id in
                    guard id != paddingIdx else { return paddingIdx }
                    k += 1
                    return paddingIdx + k
                }
            }
            if let worst = out.lazy.compactMap({ $0.max() }).max(), worst >= maxPositions {
                throw InvalidInput(
                    description:
                        "position id \(worst) (padding_idx \(paddingIdx) + tokens) exceeds max_position_embeddings \(maxPositions)"
                )
            }
            return out
        }
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
        outputs[name] = GraphOutput(
            name: name, shape: shape, values: Array(UnsafeBufferPointer(start: x, count: shape.reduce(1, *))))
    }
}
