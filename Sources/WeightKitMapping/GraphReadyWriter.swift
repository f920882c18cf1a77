import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs

/// Writes a graph-ready `.wkc`: the graph's canonical parameter names, every linear weight
/// stored [in, out] (the layout oneDNN's fast GEMM path reads, so binding copies nothing), the
/// resolved config in the model section, and the mapping in the provenance transforms.
///
/// At `precision` bf16 or int8 the encoder's linear weights are written as the kernels read them
/// (format version 2): rounded to bf16, or quantised to int8 per output column with an F32 scale
/// tensor each, in the blocked layout oneDNN's kernel wants on this machine (`BA16a64b2a` /
/// `BA16a64b4a` where it cannot say), each layer's query, key and value back to back so a
/// reader uses them as one [H, 3H] matrix in place.
public enum GraphReadyWriter {
    /// A write asked for from a mapping that has problems (the report says which).
    public struct NotMapped: Error, Sendable, CustomStringConvertible {
        public var report: MappingReport
        public var description: String {
            "cannot write the converted checkpoint: the mapping has problems\n" + report.text
        }
    }

    public static func writeBert(
        _ checkpoint: any Checkpoint, report: MappingReport, to path: String, dtype: DTypePolicy = .keep,
        precision: Precision = .f32, progress: ProgressHandler? = nil, audit: CastAudit? = nil
    ) throws {
        guard report.passed, let config = report.config else { throw NotMapped(report: report) }
        try dtype.check(writer: "a graph-ready .wkc", destination: path)
        let packed = precision == .f32 ? [] : BertModel.encoderLinearWeights(config)
        let packedShapes = Dictionary(
            uniqueKeysWithValues: packed.joined().map { ($0.name, (k: $0.inFeatures, n: $0.outFeatures)) })
        var packedOutputs: [String: [OutputTensor]] = [:]
        var layouts = Set<String>()
        var outputs: [OutputTensor] = []
        var transposed = 0, reshaped = 0
        for e in report.entries where e.status == .mapped {
            guard let source = e.source, let info = checkpoint.info(named: source) else { continue }
            // Linear weights become [in, out] (their canonical shape is [out, in]); the rest keep it.
            let isLinear = e.layout != nil
            let shape = isLinear ? [e.expectedShape[1], e.expectedShape[0]] : e.expectedShape
            if let s = packedShapes[e.canonical] {
                let p = try PackedWeight.outputs(
                    checkpoint, info, as: e.canonical, sourceLayout: e.layout ?? .outIn, rows: s.k, cols: s.n,
                    precision: precision)
                layouts.insert(p[0].layout!.description)
                packedOutputs[e.canonical] = p
                outputs.append(p[0])  // its place; the order is settled below
                continue
            }
            if isLinear && e.layout == .outIn {
                transposed += 1
                outputs.append(
                    TensorTransforms.transposed(
                        checkpoint, info,
                        as: TensorInfo(
                            name: e.canonical, dtype: .f32, shape: shape, byteOffset: 0,
                            byteCount: shape.reduce(1, *) * 4), dtype: dtype))
            } else {
                if info.shape != shape { reshaped += 1 }  // a Keras EinsumDense kernel merged to 2-D
                var target = info
                target.name = e.canonical
                target.shape = shape
                outputs.append(TensorTransforms.relabelled(checkpoint, info, as: target, dtype: dtype))
            }
        }
        var transforms: [JSONValue] = [
            .object(["kind": .string("transpose"), "to": .string("in_out"), "tensors": .int(transposed)]),
            .object(["kind": .string("reshape"), "tensors": .int(reshaped)]),
        ]
        if !packed.isEmpty {
            outputs = PackedWeight.ordered(outputs, packed: packedOutputs, layers: packed.map { $0.map(\.name) })
            transforms.append(
                .object([
                    "kind": .string("pack"), "precision": .string(precision.rawValue),
                    "layout": .string(layouts.sorted().joined(separator: ",")), "tensors": .int(packedOutputs.count),
                ]))
        }
        try write(
            outputs, from: checkpoint, report: report, architecture: config.kind.rawValue,
            config: .object(config.huggingFaceJSON), transforms: transforms, to: path, progress: progress, audit: audit)
    }

    /// The Keras text classifier: canonical names, every tensor in the shape Keras stores and the
    /// graph consumes (Dense kernels [in, out], attention kernels [E, heads, key_dim]), and the
    /// resolved config (with its epsilon) in the model section.
    /// `vectorizer` (the model's TextVectorization, `KerasTextVectorizer.json`) travels in the
    /// model section as `text_vectorization`, so the `.wkc` alone runs on text.
    public static func writeTextClassifier(
        _ checkpoint: any Checkpoint, report: MappingReport, to path: String, dtype: DTypePolicy = .keep,
        progress: ProgressHandler? = nil, vectorizer: JSONValue? = nil, audit: CastAudit? = nil
    ) throws {
        guard report.passed, let config = report.textClassifierConfig else { throw NotMapped(report: report) }
        try dtype.check(writer: "a graph-ready .wkc", destination: path)
        var outputs: [OutputTensor] = []
        for e in report.entries where e.status == .mapped {
            guard let source = e.source, let info = checkpoint.info(named: source) else { continue }
            var target = info
            target.name = e.canonical
            outputs.append(TensorTransforms.relabelled(checkpoint, info, as: target, dtype: dtype))
        }
        var section = config.json
        if let vectorizer, case .object(var o) = section {
            o["text_vectorization"] = vectorizer
            section = .object(o)
        }
        try write(
            outputs, from: checkpoint, report: report, architecture: GraphKind.textClassifier.rawValue,
            config: section, transforms: [], to: path, progress: progress, audit: audit)
    }

    /// A graph-ready `.wkc` of whichever graph the report mapped onto.
    public static func write(
        _ checkpoint: any Checkpoint, report: MappingReport, to path: String, dtype: DTypePolicy = .keep,
        precision: Precision = .f32, progress: ProgressHandler? = nil, vectorizer: JSONValue? = nil,
        audit: CastAudit? = nil
    ) throws {
        switch report.graphConfig {
        case .bert?:
            try writeBert(
                checkpoint, report: report, to: path, dtype: dtype, precision: precision, progress: progress,
                audit: audit)
        case .textClassifier?:
            if precision != .f32 {
                throw Graphs.PrecisionUnsupported(
                    description:
                        "the text classifier runs in f32 only (--precision \(precision.rawValue) is for BERT-family graphs)"
                )
            }
            try writeTextClassifier(
                checkpoint, report: report, to: path, dtype: dtype, progress: progress, vectorizer: vectorizer,
                audit: audit)
        case nil: throw NotMapped(report: report)
        }
    }

    static func write(
        _ outputs: [OutputTensor], from checkpoint: any Checkpoint, report: MappingReport, architecture: String,
        config: JSONValue,
        transforms: [JSONValue], to path: String, progress: ProgressHandler?, audit: CastAudit? = nil
    ) throws {
        let digests = try SourceDigests(checkpoint)  // hashed on the other core while the data is written
        let provenance = WKCProvenance(
            sourceName: FileSystem.lastComponent(of: checkpoint.path), sourceFormat: checkpoint.format.rawValue,
            sourceFiles: digests.placeholders, tool: WeightKitVersion.tool, created: Converter.utcTimestamp(),
            transforms: [
                .object([
                    "kind": .string("map"), "graph": .string(architecture),
                    "convention": .string(report.convention?.rawValue ?? "?"),
                    "config": .string(report.configSource),
                ])
            ] + transforms)
        try WKCWriter.write(
            outputs, metadata: [Convention.layoutKey: Convention.graphReadyValue],
            model: WKCModelSection(architecture: architecture, config: config),
            provenance: provenance, completeProvenance: { digests.complete(&$0) }, to: path, progress: progress,
            audit: audit)
    }
}
