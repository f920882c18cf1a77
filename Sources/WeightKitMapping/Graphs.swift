import WeightKitCheckpoints
import WeightKitGGUF
import WeightKitCompute
import WeightKitGraphs

/// One graph as the mapper knows it: its kind and how a checkpoint maps onto it (with an optional
/// config override in the graph's own JSON spelling).
public struct GraphMapping: Sendable {
    public var kind: GraphKind
    public var map: @Sendable (_ checkpoint: any Checkpoint, _ config: GraphConfig?) throws -> MappingReport
    /// A config override in the graph's JSON spelling.
    public var config: @Sendable (_ json: JSONValue) throws -> GraphConfig
    /// A BERT-family graph's mapping table (nil for the others).
    public var table: BertFamilyTable? = nil

    /// A BERT-family graph, from its mapping table (config overrides in Hugging Face config.json spelling).
    public static func bertFamily(_ table: BertFamilyTable) -> GraphMapping {
        GraphMapping(
            kind: table.kind,
            map: { checkpoint, config in
                var given: BertConfig? = nil
                if case .bert(let c)? = config { given = c }
                return BertMapper.map(checkpoint, table: table, config: given)
            },
            config: { json in
                var c = try BertConfig(huggingFace: json)
                // A config.json without model_type given for RoBERTa or DistilBERT is read in their spelling.
                if json["model_type"] == nil, table.kind != .bert {
                    var o = json.objectValue ?? [:]
                    o["model_type"] = .string(table.kind.rawValue)
                    c = try BertConfig(huggingFace: .object(o))
                }
                return .bert(c)
            }, table: table)
    }

    /// The Keras text classifier (config overrides with the keys `weightkit params` prints).
    public static let textClassifier = GraphMapping(
        kind: .textClassifier,
        map: { checkpoint, config in
            var given: TextClassifierConfig? = nil
            if case .textClassifier(let c)? = config { given = c }
            return TextClassifierMapper.map(checkpoint, config: given)
        }, config: { .textClassifier(try TextClassifierConfig(json: $0)) })

}

/// The graphs WeightKit maps onto, and how one is chosen for a checkpoint.
public enum Graphs {
    /// Every graph, in the order they are tried when nothing says which one a checkpoint is.
    public static let all: [GraphMapping] = [
        .bertFamily(BertMappingTable.table),
        .bertFamily(RobertaMappingTable.table),
        .bertFamily(DistilBertMappingTable.table),
        .textClassifier,
    ]

    public static func mapping(for kind: GraphKind) -> GraphMapping {
        guard let m = all.first(where: { $0.kind == kind }) else {
            preconditionFailure("graph \(kind.rawValue) is not registered in Graphs.all")
        }
        return m
    }

    /// Why a checkpoint cannot be mapped onto the graph asked for, or onto any one graph.
    public enum SelectionError: Error, Sendable, CustomStringConvertible {
        /// Two sources of evidence name different graphs.
        case contradiction(path: String, first: String, second: String)
        public var description: String {
            switch self {
            case let .contradiction(path, a, b):
                return
                    "\(path): \(a), but \(b); these disagree, so no graph is chosen (fix the file that is wrong, or ask for the graph it really is)"
            }
        }
    }

    /// What the checkpoint itself says it is: its config (`model_type`, `architectures`, a `.wkc`
    /// model section) and the prefixes frameworks put on its tensor names.
    public static func evidence(_ checkpoint: any Checkpoint) -> (
        config: (GraphKind, String)?, names: (GraphKind, String)?
    ) {
        var fromConfig: (GraphKind, String)? = nil
        if let w = checkpoint as? WKCCheckpoint, let a = w.model?.architecture, let k = GraphKind(rawValue: a) {
            fromConfig = (k, "its .wkc model section says \(a)")
        } else if let cfg = checkpoint.modelConfig {
            let file = checkpoint.metadata["config_file"] ?? "config.json"
            if file == "bert_config.json", let t = cfg["model_type"]?.stringValue, let k = BertConfig.kind(modelType: t)
            {
                fromConfig = (k, "a Google BERT bert_config.json is beside it")
            } else if let t = cfg["model_type"]?.stringValue, let k = BertConfig.kind(modelType: t) {
                fromConfig = (
                    k,
                    checkpoint.format == .gguf
                        ? "its GGUF keys describe \(t)" : "its config.json's model_type is \(t)"
                )
            } else if let arch = cfg["architectures"]?.arrayValue?.first?.stringValue {
                let byClass: [(String, GraphKind)] = [
                    ("XLMRoberta", .roberta), ("Roberta", .roberta), ("DistilBert", .distilbert), ("Bert", .bert),
                ]
                if let k = byClass.first(where: { arch.hasPrefix($0.0) })?.1 {
                    fromConfig = (k, "its config.json's architectures name \(arch)")
                }
            }
        }
        // Prefixes: PyTorch task models (`roberta.`), TF model classes (`tf_roberta_model/`) and main layers (`roberta/`).
        let prefixes: [(GraphKind, [String], [String])] = [
            (.roberta, ["roberta."], ["tf_roberta", "tf_xlm_roberta", "roberta"]),
            (.distilbert, ["distilbert."], ["tf_distil_bert", "distilbert"]),
            (.bert, ["bert."], ["tf_bert", "bert"]),
        ]
        var fromNames: (GraphKind, String)? = nil
        search: for t in checkpoint.tensors {
            let components = t.name.split(separator: "/")
            for (kind, dotted, slashed) in prefixes {
                if let p = dotted.first(where: { t.name.hasPrefix($0) }) {
                    fromNames = (kind, "its tensor names start with '\(p)' (\(t.name))"); break search
                }
                if components.count > 1,
                    let c = components.dropLast().first(where: { c in
                        slashed.contains { c == $0 || c.hasPrefix($0 + "_") }
                    })
                {
                    fromNames = (kind, "its tensor names carry '\(c)/' (\(t.name))"); break search
                }
            }
        }
        return (fromConfig, fromNames)
    }

    /// Maps onto `kind` when given, else onto the graph the checkpoint's config or names say,
    /// else onto the first registered graph that maps; the report says how the graph was chosen.
    /// Evidence that contradicts itself or the graph asked for is an error naming both.
    public static func map(_ checkpoint: any Checkpoint, kind: GraphKind? = nil, config: GraphConfig? = nil) throws
        -> MappingReport
    {
        let kind = kind ?? config?.kind  // a config is of one graph
        let ev = evidence(checkpoint)
        if let c = ev.config, let n = ev.names, c.0 != n.0 {
            throw SelectionError.contradiction(
                path: checkpoint.path, first: "\(c.1) (\(c.0.rawValue))", second: "\(n.1) (\(n.0.rawValue))")
        }
        let said = ev.config ?? ev.names
        if let kind {
            if let said, said.0 != kind {
                throw SelectionError.contradiction(
                    path: checkpoint.path, first: "the \(kind.rawValue) graph was asked for",
                    second: "\(said.1) (\(said.0.rawValue))")
            }
            var report = try mapping(for: kind).map(checkpoint, config)
            report.selection = "given"
            return report
        }
        if let said {
            var report = try mapping(for: said.0).map(checkpoint, config)
            report.selection = said.1
            return report
        }
        var reports: [MappingReport] = []
        for m in all { reports.append(try m.map(checkpoint, nil)) }
        let passing = reports.filter(\.passed)
        if var first = passing.first {
            first.selection =
                passing.count == 1
                ? "the only graph whose conventions map it (tried \(all.map(\.kind.rawValue).joined(separator: ", ")))"
                : "the first of \(passing.map(\.model).joined(separator: ", ")) that map it; nothing in the files tells them apart (give --model)"
            return first
        }
        var best = reports.max {
            $0.entries.filter { $0.status == .mapped }.count < $1.entries.filter { $0.status == .mapped }.count
        }!
        best.selection =
            "no graph maps it (tried \(all.map(\.kind.rawValue).joined(separator: ", "))); the closest is shown"
        return best
    }

    /// A precision the graph does not offer.
    public struct PrecisionUnsupported: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Binds the graph a passing report mapped onto, ready to run, with its linear layers at
    /// `precision` (BERT-family graphs; the text classifier runs in float32 only); nil: the
    /// precision the checkpoint's weights are stored in (f32 unless a `.wkc` holds them packed).
    public static func bind(_ checkpoint: any Checkpoint, _ report: MappingReport, precision: Precision? = nil) throws
        -> any RunnableGraph
    {
        let source = MappedParameterSource(checkpoint: checkpoint, report: report)
        switch report.graphConfig {
        case .bert(let c)?: return try BertModel(config: c, source: source, precision: precision)
        case .textClassifier(let c)?:
            if let precision, precision != .f32 {
                throw PrecisionUnsupported(
                    description:
                        "the text classifier runs in f32 only (--precision \(precision.rawValue) is for BERT-family graphs)"
                )
            }
            return try TextClassifierModel(config: c, source: source)
        case nil: throw GraphReadyWriter.NotMapped(report: report)
        }
    }
}
