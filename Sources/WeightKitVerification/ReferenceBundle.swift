import WeightKitCheckpoints
import WeightKitFormats
import WeightKitGraphs

/// A reference bundle (spec in Schemas/reference-bundle.md): one safetensors file of `input.*` integer tensors and
/// `output.*` float tensors the original framework produced, with string metadata.
public struct ReferenceBundle: Sendable {
    /// The graph a bundle's outputs come from (`model.kind`).
    public typealias Kind = GraphKind

    /// A file that is not a valid reference bundle, one case per rule, naming the file and the
    /// tensor or key at fault.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notABundle(file: String, marker: String?)
        case badInput(file: String, tensor: String, dtype: String, shape: String)
        case badOutput(file: String, tensor: String, dtype: String)
        case strayTensor(file: String, tensor: String)
        case unknownKind(file: String, kind: String)
        case noInputs(file: String)
        case missingInput(file: String, kind: GraphKind, input: String)
        case noOutputs(file: String)

        public var description: String {
            switch self {
            case let .notABundle(f, m):
                return
                    "\(f): not a reference bundle (metadata weightkit.reference is \(m.map { "'\($0)'" } ?? "missing"), expected '1')"
            case let .badInput(f, t, d, s): return "\(f): tensor '\(t)': inputs must be 2-D I32 or I64, found \(d) \(s)"
            case let .badOutput(f, t, d): return "\(f): tensor '\(t)': outputs must be floating point, found \(d)"
            case let .strayTensor(f, t): return "\(f): tensor '\(t)' is neither input.* nor output.*"
            case let .unknownKind(f, k): return "\(f): model.kind '\(k)' is not one of \(GraphKind.names)"
            case let .noInputs(f): return "\(f): no input_ids (BERT) or token_ids (text classifier) input"
            case let .missingInput(f, .textClassifier, _): return "\(f): a text-classifier bundle needs input.token_ids"
            case let .missingInput(f, _, _): return "\(f): a BERT bundle needs input.input_ids (or input.text metadata)"
            case let .noOutputs(f): return "\(f): the bundle holds no output.* tensor: nothing to compare"
            }
        }
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
            throw Problem.notABundle(file: path, marker: c.metadata["weightkit.reference"])
        }
        var inputs: [String: [[Int]]] = [:]
        var outputs: [String: (shape: [Int], values: [Float])] = [:]
        var order: [String] = []
        for t in c.tensors {
            if t.name.hasPrefix("input.") {
                guard [.i32, .i64].contains(t.dtype), t.shape.count == 2 else {
                    throw Problem.badInput(
                        file: path, tensor: t.name, dtype: t.dtype.rawValue, shape: t.shapeDescription)
                }
                let values = try c.view(t).float32Array().map { Int($0) }
                let cols = t.shape[1]
                inputs[String(t.name.dropFirst(6))] =
                    cols == 0 ? [] : stride(from: 0, to: values.count, by: cols).map { Array(values[$0..<($0 + cols)]) }
            } else if t.name.hasPrefix("output.") {
                guard [.f32, .f16, .bf16, .f64].contains(t.dtype) else {
                    throw Problem.badOutput(file: path, tensor: t.name, dtype: t.dtype.rawValue)
                }
                let name = ReferenceBundle.canonical(String(t.name.dropFirst(7)))
                outputs[name] = (t.shape, try c.view(t).float32Array())
                order.append(name)
            } else {
                throw Problem.strayTensor(file: path, tensor: t.name)
            }
        }
        // Text-only BERT bundles: the inputs are given as input.text and tokenised by the verifier.
        let textOnly = inputs.isEmpty && c.metadata["input.text"] != nil
        if let declared = c.metadata["model.kind"] {
            guard let k = Kind(rawValue: declared) else {
                throw Problem.unknownKind(file: path, kind: declared)
            }
            kind = k
        } else if inputs["input_ids"] != nil || textOnly {
            kind = .bert
        } else if inputs["token_ids"] != nil {
            kind = .textClassifier
        } else {
            throw Problem.noInputs(file: path)
        }
        if kind != .textClassifier && inputs["input_ids"] == nil && !textOnly {
            throw Problem.missingInput(file: path, kind: kind, input: "input_ids")
        }
        if kind == .textClassifier && inputs["token_ids"] == nil {
            throw Problem.missingInput(file: path, kind: kind, input: "token_ids")
        }
        if outputs.isEmpty {
            throw Problem.noOutputs(file: path)
        }
        self.inputs = inputs
        self.outputs = outputs
        self.outputOrder = order
    }

    /// TF-Hub spellings accepted as aliases (`sequence_output`, `pooled_output`, `encoder_outputs.N`).
    public static func canonical(_ name: String) -> String {
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
