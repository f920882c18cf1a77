import WeightKitCheckpoints
import WeightKitCompute
import WeightKitFormats
import WeightKitGraphs
import WeightKitMapping
import WeightKitTokenizer

/// The result of `weightkit verify`: every output compared, the first diverging layer, and the
/// numeric configuration that was used.
public struct VerificationReport: Sendable {
    public var checkpoint: String
    public var bundle: String
    public var model: String
    public var convention: String?
    /// The numeric choices that decide agreement: GELU variant, eps, mask constant, token types, pooler.
    public var numerics: [(key: String, value: String)]
    public var comparisons: [OutputComparison]
    /// Outputs the bundle holds that the graph cannot produce (a failure, never skipped silently).
    public var unproducible: [String]
    /// Why an output cannot be produced, where the checkpoint says (the default: the graph has none).
    public var unproducibleReasons: [String: String] = [:]
    public var firstDivergence: String?
    public var hint: String?
    public var atol: Double
    public var rtol: Double
    /// The arithmetic the checkpoint ran in, and below f32 its drift against the f32 run.
    public var precision: Precision = .f32
    public var drift: PrecisionDrift?
    public var passed: Bool { unproducible.isEmpty && !comparisons.isEmpty && comparisons.allSatisfy(\.passed) }
}

/// Runs a checkpoint on a reference bundle's inputs and compares every output with the original framework's.
public enum Verifier {
    /// A verification that cannot run: the checkpoint does not map, or the inputs cannot be made.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notMapped(checkpoint: String, graph: GraphKind, report: String)
        case textNeedsTokenizer(bundle: String, problem: String)
        case missingInput(bundle: String, graph: GraphKind, input: String)
        case noText(bundle: String)
        case tokenization(bundle: String, line: Int, text: String, position: Int, ours: Int, theirs: Int)

        public var description: String {
            switch self {
            case let .notMapped(c, g, r): return "\(c) does not map onto the \(g.rawValue) graph:\n" + r
            case let .noText(b): return "\(b): --from-text, but the bundle has no input.text"
            case let .tokenization(b, line, text, at, ours, theirs):
                return
                    "\(b): tokenization failure at line \(line) (\(text.debugDescription)), position \(at): id \(ours) here, \(theirs) in the bundle"
            case let .textNeedsTokenizer(b, p):
                return
                    "\(b) gives its inputs as text: a tokenizer is needed (tokenizer.json or vocab.txt beside the checkpoint, "
                    + "or --vocab): \(p)"
            case let .missingInput(b, g, i): return "\(b): the \(g.rawValue) graph needs input.\(i)"
            }
        }
    }

    /// float32 references: torch.testing's defaults.
    public static let defaultRtol = 1.3e-6
    public static let defaultAtol = 1e-5

    /// Verifies with a typed BERT or text-classifier config override (the one that fits the bundle).
    public static func verify(
        checkpoint path: String, reference bundlePath: String, atol: Double? = nil, rtol: Double? = nil,
        bertConfig: BertConfig? = nil, textClassifierConfig: TextClassifierConfig? = nil,
        vocab: String? = nil
    ) throws -> VerificationReport {
        let config = bertConfig.map { GraphConfig.bert($0) } ?? textClassifierConfig.map { .textClassifier($0) }
        return try verify(checkpoint: path, reference: bundlePath, atol: atol, rtol: rtol, config: config, vocab: vocab)
    }

    /// Runs the checkpoint, mapped onto the bundle's graph, on the bundle's inputs and compares
    /// every output the bundle holds.
    public static func verify(
        checkpoint path: String, reference bundlePath: String, atol: Double? = nil, rtol: Double? = nil,
        config: GraphConfig?, vocab: String? = nil, tokenizer: (any TextTokenizer)? = nil, fromText: Bool = false,
        vectorizer: KerasTextVectorizer? = nil, precision requested: Precision? = nil
    ) throws -> VerificationReport {
        let bundle = try ReferenceBundle(path: bundlePath)
        let checkpoint = try Checkpoints.open(path)
        let atol = atol ?? bundle.atol ?? defaultAtol, rtol = rtol ?? bundle.rtol ?? defaultRtol
        var report = VerificationReport(
            checkpoint: path, bundle: bundlePath, model: bundle.kind.rawValue, convention: nil, numerics: [],
            comparisons: [], unproducible: [], firstDivergence: nil, hint: nil, atol: atol, rtol: rtol)
        let mapping = try Graphs.map(checkpoint, kind: bundle.kind, config: config)
        guard mapping.passed else {
            throw Failure.notMapped(checkpoint: path, graph: bundle.kind, report: mapping.text)
        }
        report.convention = mapping.convention?.rawValue
        let graph = try Graphs.bind(checkpoint, mapping, precision: requested)
        let precision = (graph as? BertModel)?.precision ?? .f32
        report.precision = precision
        report.numerics = graph.numerics
        var inputs = bundle.inputs
        if let bert = graph as? BertModel {
            report.numerics.append(
                ("token_type_ids", bundle.inputs["token_type_ids"] == nil ? "absent: zeros" : "from the bundle"))
            report.numerics.append(("pooler", bert.hasPooler ? "present" : "absent"))
            if !bert.hasPooler, bert.config.architecture.pooler != nil {
                let gguf = mapping.convention == .gguf
                report.unproducibleReasons["pooler_output"] =
                    "the checkpoint has no pooler (\(gguf ? "cls.weight" : "pooler.dense"))"
                    + (gguf ? ": llama.cpp's convert_hf_to_gguf.py drops BERT's pooler" : "")
                if bert.config.numLabels != nil, bert.config.architecture.head.input == .pooled {
                    report.unproducibleReasons["logits"] =
                        "the classification head is there but not the pooler it reads (\(gguf ? "cls.weight" : "pooler.dense"))"
                        + (gguf
                            ? ": llama.cpp's convert_hf_to_gguf.py drops BERT's pooler and keeps the head as cls.output, which llama.cpp then applies to the [CLS] state without the pooler's dense + tanh"
                            : "")
                }
            }
        }
        let bundleIds = inputs["input_ids"]
        if fromText, bundle.texts == nil { throw Failure.noText(bundle: bundlePath) }
        if graph is TextClassifierModel, let texts = bundle.texts, let vectorizer,
            inputs["token_ids"] == nil || fromText
        {
            // The text classifier from its strings: the model's own TextVectorization. The ids
            // are held to the bundle's first: a tokenisation failure is not an output mismatch.
            let ids = texts.map { vectorizer.ids($0) }
            let theirs = inputs["token_ids"]
            if let theirs {
                for (i, (a, b)) in zip(ids, theirs).enumerated() where a != b {
                    let at = a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? a.count
                    throw Failure.tokenization(
                        bundle: bundlePath, line: i, text: texts[i], position: at, ours: at < a.count ? a[at] : -1,
                        theirs: at < b.count ? b[at] : -1)
                }
            }
            inputs["token_ids"] = ids
            report.numerics.append(
                (
                    "inputs",
                    "vectorised from input.text; " + vectorizer.summary
                        + (theirs == nil ? "" : "; ids equal the bundle's")
                ))
        }
        if inputs[graph.inputNames[0]] == nil || fromText, let texts = bundle.texts, let bert = graph as? BertModel {
            // Inputs given as text: tokenise them with the model's own tokenizer (WordPiece, or
            // RoBERTa's byte-level BPE), the one given, or the one the checkpoint carries or has beside it.
            // Padded as the reference was (a preprocessor pads every row to its sequence length).
            let padTo = bundle.outputs.values.first { $0.shape.count == 3 }?.shape[1]
            let t: any TextTokenizer
            if let tokenizer {
                t = tokenizer
            } else {
                do {
                    t = try TextTokenizers.load(
                        bert.config.architecture.tokenizer, for: checkpoint, path: path, vocab: vocab)
                } catch {
                    throw Failure.textNeedsTokenizer(bundle: bundlePath, problem: "\(error)")
                }
            }
            let positions = bert.config.maxSequenceLength
            let batch = t.encodeBatch(
                texts, pairs: nil, maxLength: min(t.maxLength ?? positions, positions), padTo: padTo)
            let describe = t.describe
            inputs["input_ids"] = batch.map(\.inputIds)
            inputs["attention_mask"] = batch.map(\.attentionMask)
            if graph.inputNames.contains("token_type_ids") { inputs["token_type_ids"] = batch.map(\.tokenTypeIds) }
            var said = "tokenised from input.text; " + describe
            if let bundleIds {
                let differing = batch.indices.filter { $0 >= bundleIds.count || batch[$0].inputIds != bundleIds[$0] }
                said +=
                    differing.isEmpty
                    ? "; ids equal the bundle's" : "; ids differ from the bundle's in rows \(differing)"
            }
            report.numerics.append(("inputs", said))
        }
        guard inputs[graph.inputNames[0]] != nil else {
            throw Failure.missingInput(bundle: bundlePath, graph: bundle.kind, input: graph.inputNames[0])
        }
        let mask = inputs["attention_mask"]
        let producible = graph.outputNames, intermediates = graph.intermediateNames
        let produced = try graph.run(inputs, outputs: Set(bundle.outputOrder).intersection(producible))
        if precision != .f32, let reduced = graph as? BertModel {
            // What the mode costs: the same inputs through the same checkpoint in float32.
            let reference = try Graphs.bind(checkpoint, mapping, precision: .f32)
            report.drift = PrecisionDrift.measure(
                precision: precision, kernels: reduced.kernels, reduced: produced,
                reference: try reference.run(inputs, outputs: Set(produced.keys)), attentionMask: mask,
                against: PrecisionDrift.reference(for: reduced))
        }
        // Intermediates first, in graph order, then the remaining outputs in bundle order.
        let ordered =
            intermediates.filter { bundle.outputs[$0] != nil }
            + bundle.outputOrder.filter { !intermediates.contains($0) }
        for name in ordered {
            guard let e = bundle.outputs[name] else { continue }
            guard let g = produced[name] else { report.unproducible.append(name); continue }
            report.comparisons.append(
                OutputComparison.compare(
                    name: name, actual: g.values, shape: g.shape, expected: e.values,
                    expectedShape: e.shape, mask: mask, atol: atol, rtol: rtol))
        }
        // The first divergence: the first failing comparison with everything before it passing.
        if let i = report.comparisons.firstIndex(where: { !$0.passed }), report.comparisons[..<i].allSatisfy(\.passed) {
            report.firstDivergence = report.comparisons[i].name
            report.hint =
                precision == .f32
                ? hint(
                    for: report.comparisons[i].name, numerics: report.numerics, kind: bundle.kind,
                    agreeing: report.comparisons[..<i].map(\.name))
                : "expected at --precision \(precision.rawValue): its rounding is below, as drift against f32; judge the mode by that, or give --atol for it"
        }
        return report
    }

    /// A one-line pointer at the usual cause, from where the divergence starts (`agreeing`: the
    /// outputs compared before it, all within tolerance).
    static func hint(
        for output: String, numerics: [(key: String, value: String)], kind: GraphKind, agreeing: [String] = []
    ) -> String? {
        func v(_ k: String) -> String { numerics.first { $0.key == k }?.value ?? "?" }
        switch output {
        case "hidden_states.0", "embedding":
            return
                "the embeddings already differ: check layer_norm_eps (\(v("layer_norm_eps"))), token_type_ids (\(v("token_type_ids"))) and the position embeddings"
        case "hidden_states.1", "transformer_block":
            return kind != .textClassifier
                ? "the first encoder layer differs while the embeddings agree: check hidden_act (\(v("hidden_act")); exact erf GELU vs the tanh approximation), layer_norm_eps (\(v("layer_norm_eps"))) and the attention mask (\(v("attention_mask_value")))"
                : "the transformer block differs while the embeddings agree: check layer_norm_eps (\(v("layer_norm_eps"))) and key_dim (\(v("key_dim")))"
        case let o where o.hasPrefix("hidden_states."):
            return
                "a later encoder layer differs: the weights of that layer, or accumulated rounding (compare min_passing_atol with atol)"
        case "pooler_output",
            "logits"
        where !agreeing.contains { $0 == "last_hidden_state" || $0.hasPrefix("hidden_states.") }:
            return
                "the bundle holds no encoder output to localise the divergence: add last_hidden_state or hidden_states to tell the encoder from the head (a uniform drift in every output, as quantisation gives, is the encoder's)"
        case "pooler_output", "logits":
            return
                "the encoder agrees but the head differs: pooler (\(v("pooler"))) / classifier weights and their orientation"
        case "sentence_embedding":
            return
                "last_hidden_state agrees but the sentence embedding differs: pooling (masked mean) and L2 normalisation"
        default:
            return nil
        }
    }
}
