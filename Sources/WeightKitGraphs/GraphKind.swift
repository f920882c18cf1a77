/// Every graph WeightKit computes. The CLI takes it as `--model`; a `.wkc` model section and a
/// reference bundle's `model.kind` spell it by its raw value. Adding a graph adds a case here, and
/// the compiler then points at every switch that must learn it.
public enum GraphKind: String, Sendable, CaseIterable {
    case bert
    case roberta
    case distilbert
    case textClassifier = "text-classifier"

    /// The BERT-family architecture computed by `BertModel`, when the graph is one.
    public var bertArchitecture: BertArchitecture? {
        switch self {
        case .bert: return .bert
        case .roberta: return .roberta
        case .distilbert: return .distilbert
        case .textClassifier: return nil
        }
    }

    /// The kinds, as the CLI lists them.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
