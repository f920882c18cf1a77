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
    public var firstDivergence: String?
    public var hint: String?
    public var atol: Double
    public var rtol: Double
    public var passed: Bool { unproducible.isEmpty && !comparisons.isEmpty && comparisons.allSatisfy(\.passed) }
}

public enum Verifier {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// float32 references: torch.testing's defaults.
    public static let defaultRtol = 1.3e-6
    public static let defaultAtol = 1e-5

    public static func verify(checkpoint path: String, reference bundlePath: String, atol: Double? = nil, rtol: Double? = nil,
                              bertConfig: BertConfig? = nil, textClassifierConfig: TextClassifierConfig? = nil,
                              vocab: String? = nil) throws -> VerificationReport {
        let bundle = try ReferenceBundle(path: bundlePath)
        let checkpoint = try Checkpoints.open(path)
        let atol = atol ?? bundle.atol ?? defaultAtol, rtol = rtol ?? bundle.rtol ?? defaultRtol
        var report = VerificationReport(checkpoint: path, bundle: bundlePath, model: bundle.kind.rawValue, convention: nil, numerics: [],
                                        comparisons: [], unproducible: [], firstDivergence: nil, hint: nil, atol: atol, rtol: rtol)
        var produced: [String: GraphOutput] = [:]
        var producible: [String] = []
        var intermediates: [String] = []
        var mask: [[Int]]? = nil
        switch bundle.kind {
        case .bert:
            let mapping = BertMapper.map(checkpoint, config: bertConfig)
            guard mapping.passed, let config = mapping.config else { throw Failure(description: "\(path) does not map onto the bert graph:\n" + mapping.text) }
            report.convention = mapping.convention?.rawValue
            let model = try BertModel(config: config, source: MappedParameterSource(checkpoint: checkpoint, report: mapping))
            report.numerics = [("hidden_act", config.activation.rawValue), ("layer_norm_eps", "\(config.layerNormEps)"),
                               ("attention_mask_value", "\(config.maskValue)"),
                               ("token_type_ids", bundle.inputs["token_type_ids"] == nil ? "absent: zeros" : "from the bundle"),
                               ("pooler", model.hasPooler ? "present" : "absent")]
            producible = model.outputNames
            intermediates = (0...config.numLayers).map { "hidden_states.\($0)" }
            var ids = bundle.inputs["input_ids"], types = bundle.inputs["token_type_ids"]
            mask = bundle.inputs["attention_mask"]
            if ids == nil, let texts = bundle.texts {
                // Inputs given as text: tokenise them with the model's vocabulary.
                let dir = FileSystem.isDirectory(path) ? path : FileSystem.directory(of: path)
                let files: TokenizerFiles
                do { files = try TokenizerFiles.load(directory: dir, vocab: vocab) } catch {
                    throw Failure(description: "\(bundlePath) gives its inputs as text: a tokenizer is needed (tokenizer.json or vocab.txt beside the checkpoint, or --vocab): \(error)")
                }
                let batch = files.tokenizer.encodeBatch(texts, maxLength: min(files.maxLength ?? config.maxPositions, config.maxPositions))
                ids = batch.map(\.inputIds)
                mask = batch.map(\.attentionMask)
                types = batch.map(\.tokenTypeIds)
                report.numerics.append(("inputs", "tokenised from input.text; " + files.describe))
            }
            let wanted = Set(bundle.outputOrder).intersection(producible)
            produced = try model.forward(.init(inputIds: ids!, attentionMask: mask, tokenTypeIds: types), outputs: wanted)
        case .textClassifier:
            let mapping = TextClassifierMapper.map(checkpoint, config: textClassifierConfig)
            guard mapping.passed, let config = mapping.textClassifierConfig else { throw Failure(description: "\(path) does not map onto the text-classifier graph:\n" + mapping.text) }
            report.convention = mapping.convention?.rawValue
            let model = try TextClassifierModel(config: config, source: MappedParameterSource(checkpoint: checkpoint, report: mapping))
            report.numerics = [("layer_norm_eps", "\(config.layerNormEps)"), ("key_dim", "\(config.keyDim)"), ("ffn_activation", "relu")]
            producible = TextClassifierModel.outputNames
            intermediates = ["embedding", "transformer_block", "pooled", "hidden"]
            produced = try model.forward(tokenIds: bundle.inputs["token_ids"]!, outputs: Set(bundle.outputOrder).intersection(producible))
        }
        // Intermediates first, in graph order, then the remaining outputs in bundle order.
        let ordered = intermediates.filter { bundle.outputs[$0] != nil } + bundle.outputOrder.filter { !intermediates.contains($0) }
        for name in ordered {
            guard let e = bundle.outputs[name] else { continue }
            guard let g = produced[name] else { report.unproducible.append(name); continue }
            report.comparisons.append(OutputComparison.compare(name: name, actual: g.values, shape: g.shape, expected: e.values,
                                                               expectedShape: e.shape, mask: mask, atol: atol, rtol: rtol))
        }
        // The first divergence: the first failing comparison with everything before it passing.
        if let i = report.comparisons.firstIndex(where: { !$0.passed }), report.comparisons[..<i].allSatisfy(\.passed) {
            report.firstDivergence = report.comparisons[i].name
            report.hint = hint(for: report.comparisons[i].name, numerics: report.numerics, kind: bundle.kind)
        }
        return report
    }

    /// A one-line pointer at the usual cause, from where the divergence starts.
    static func hint(for output: String, numerics: [(key: String, value: String)], kind: ReferenceBundle.Kind) -> String? {
        func v(_ k: String) -> String { numerics.first { $0.key == k }?.value ?? "?" }
        switch output {
        case "hidden_states.0", "embedding":
            return "the embeddings already differ: check layer_norm_eps (\(v("layer_norm_eps"))), token_type_ids (\(v("token_type_ids"))) and the position embeddings"
        case "hidden_states.1", "transformer_block":
            return kind == .bert
                ? "the first encoder layer differs while the embeddings agree: check hidden_act (\(v("hidden_act")); exact erf GELU vs the tanh approximation), layer_norm_eps (\(v("layer_norm_eps"))) and the attention mask (\(v("attention_mask_value")))"
                : "the transformer block differs while the embeddings agree: check layer_norm_eps (\(v("layer_norm_eps"))) and key_dim (\(v("key_dim")))"
        case let o where o.hasPrefix("hidden_states."):
            return "a later encoder layer differs: the weights of that layer, or accumulated rounding (compare min_passing_atol with atol)"
        case "pooler_output", "logits":
            return "the encoder agrees but the head differs: pooler (\(v("pooler"))) / classifier weights and their orientation"
        case "sentence_embedding":
            return "last_hidden_state agrees but the sentence embedding differs: pooling (masked mean) and L2 normalisation"
        default:
            return nil
        }
    }
}
