/// A bound graph as the verifier and the CLI run it: named integer inputs in, named outputs out,
/// and the numeric choices that decide agreement with the source framework.
public protocol RunnableGraph: AnyObject {
    /// Every output the graph can produce.
    var outputNames: [String] { get }
    /// Per-layer outputs in graph order, where the first divergence is looked for.
    var intermediateNames: [String] { get }
    /// The integer inputs `run` reads (the first one is required).
    var inputNames: [String] { get }
    /// GELU variant, epsilon, mask constant and the like, as (name, value).
    var numerics: [(key: String, value: String)] { get }
    func run(_ inputs: [String: [[Int]]], outputs: Set<String>) throws -> [String: GraphOutput]
}

extension BertModel: RunnableGraph {
    public var intermediateNames: [String] { (0...config.numLayers).map { "hidden_states.\($0)" } }
    public var inputNames: [String] {
        ["input_ids", "attention_mask"] + (config.architecture.tokenTypeEmbeddings == nil ? [] : ["token_type_ids"])
    }
    public var numerics: [(key: String, value: String)] {
        var n: [(key: String, value: String)] = [
            ("hidden_act", config.activation.rawValue), ("layer_norm_eps", "\(config.layerNormEps)"),
            ("attention_mask_value", "\(config.maskValue)"),
        ]
        if config.architecture.positions == .afterPadding {
            n.append(("position_ids", "from padding_idx \(config.paddingIdx) + 1, padding skipped"))
        }
        if let head = config.architecture.head.hidden, hasClassifier {
            n.append(("classifier", "\(head.name) + \(head.activation.rawValue)"))
        }
        return n
    }
    public func run(_ inputs: [String: [[Int]]], outputs: Set<String>) throws -> [String: GraphOutput] {
        guard let ids = inputs["input_ids"] else { throw InvalidInput(description: "no input_ids") }
        return try forward(
            .init(inputIds: ids, attentionMask: inputs["attention_mask"], tokenTypeIds: inputs["token_type_ids"]),
            outputs: outputs)
    }
}

extension TextClassifierModel: RunnableGraph {
    public var outputNames: [String] { Self.outputNames }
    public var intermediateNames: [String] { ["embedding", "transformer_block", "pooled", "hidden"] }
    public var inputNames: [String] { ["token_ids"] }
    public var numerics: [(key: String, value: String)] {
        [("layer_norm_eps", "\(config.layerNormEps)"), ("key_dim", "\(config.keyDim)"), ("ffn_activation", "relu")]
    }
    public func run(_ inputs: [String: [[Int]]], outputs: Set<String>) throws -> [String: GraphOutput] {
        guard let ids = inputs["token_ids"] else { throw InvalidTokenIds(description: "no token_ids") }
        return try forward(tokenIds: ids, outputs: outputs)
    }
}

/// A text-classifier input that is not a [batch, sequence] array of token ids.
public struct InvalidTokenIds: Error, Sendable, CustomStringConvertible {
    public var description: String
}
