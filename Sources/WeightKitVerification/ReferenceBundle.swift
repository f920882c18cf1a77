import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs

/// A reference bundle (spec in Schemas/reference-bundle.md): one safetensors file of `input.*` integer tensors and
/// `output.*` float tensors the original framework produced, with string metadata.
public struct ReferenceBundle: Sendable {
    /// The graph a bundle's outputs come from (`model.kind`).
    public typealias Kind = GraphKind

    /// A file that is not a valid reference bundle, named with the tensor or key at fault.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let path: String
    public let kind: Kind
    public let metadata: [String: String]
    public let inputs: [String: [[Int]]]
    /// Canonical output name (TF-Hub aliases resolved) → shape and values.
    public let outputs: [String: (shape: [Int], values: [Float])]
    public let outputOrder: [String]

    public init(path: String) throws {
        let c = try Checkpoints.open(path)
        self.path = path
        metadata = c.metadata
        guard c.metadata["weightkit.reference"] == "1" else {
            throw Problem(
                description:
                    "\(path): not a reference bundle (metadata weightkit.reference is \(c.metadata["weightkit.reference"].map { "'\($0)'" } ?? "missing"), expected '1')"
            )
        }
        var inputs: [String: [[Int]]] = [:]
        var outputs: [String: (shape: [Int], values: [Float])] = [:]
        var order: [String] = []
        for t in c.tensors {
            if t.name.hasPrefix("input.") {
                guard [.i32, .i64].contains(t.dtype), t.shape.count == 2 else {
                    throw Problem(
                        description:
                            "\(path): tensor '\(t.name)': inputs must be 2-D I32 or I64, found \(t.dtype.rawValue) \(t.shapeDescription)"
                    )
                }
                let values = try c.view(t).float32Array().map { Int($0) }
                let cols = t.shape[1]
                inputs[String(t.name.dropFirst(6))] =
                    cols == 0 ? [] : stride(from: 0, to: values.count, by: cols).map { Array(values[$0..<($0 + cols)]) }
            } else if t.name.hasPrefix("output.") {
                guard [.f32, .f16, .bf16, .f64].contains(t.dtype) else {
                    throw Problem(
                        description:
                            "\(path): tensor '\(t.name)': outputs must be floating point, found \(t.dtype.rawValue)")
                }
                let name = ReferenceBundle.canonical(String(t.name.dropFirst(7)))
                outputs[name] = (t.shape, try c.view(t).float32Array())
                order.append(name)
            } else {
                throw Problem(description: "\(path): tensor '\(t.name)' is neither input.* nor output.*")
            }
        }
        // Text-only BERT bundles: the inputs are given as input.text and tokenised by the verifier.
        let textOnly = inputs.isEmpty && c.metadata["input.text"] != nil
        if let declared = c.metadata["model.kind"] {
            guard let k = Kind(rawValue: declared) else {
                throw Problem(description: "\(path): model.kind '\(declared)' is not one of \(GraphKind.names)")
            }
            kind = k
        } else if inputs["input_ids"] != nil || textOnly {
            kind = .bert
        } else if inputs["token_ids"] != nil {
            kind = .textClassifier
        } else {
            throw Problem(description: "\(path): no input_ids (BERT) or token_ids (text classifier) input")
        }
        if kind != .textClassifier && inputs["input_ids"] == nil && !textOnly {
            throw Problem(description: "\(path): a BERT bundle needs input.input_ids (or input.text metadata)")
        }
        if kind == .textClassifier && inputs["token_ids"] == nil {
            throw Problem(description: "\(path): a text-classifier bundle needs input.token_ids")
        }
        if outputs.isEmpty {
            throw Problem(description: "\(path): the bundle holds no output.* tensor: nothing to compare")
        }
        self.inputs = inputs
        self.outputs = outputs
        self.outputOrder = order
    }

    /// TF-Hub spellings accepted as aliases.
    static func canonical(_ name: String) -> String {
        switch name {
        case "sequence_output": return "last_hidden_state"
        case "pooled_output": return "pooler_output"
        default:
            if name.hasPrefix("encoder_outputs."), let j = Int(name.dropFirst("encoder_outputs.".count)) {
                return "hidden_states.\(j + 1)"
            }
            return name
        }
    }

    /// The strings in input.text, when the bundle gives its inputs as text.
    public var texts: [String]? {
        guard let t = metadata["input.text"], case .array(let a)? = try? JSONParser.parse(t) else { return nil }
        return a.compactMap(\.stringValue)
    }

    /// Tolerance overrides from the metadata.
    public var atol: Double? { metadata["atol"].flatMap(Double.init) }
    public var rtol: Double? { metadata["rtol"].flatMap(Double.init) }
}
