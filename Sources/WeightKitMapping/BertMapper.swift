import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs

/// The result of mapping a checkpoint onto a graph: every target parameter with its source and
/// transform, and every problem at once (missing, mis-shaped, ambiguous, unused tensors).
public struct MappingReport: Sendable {
    /// Whether the checkpoint holds a classification head's weights (config.json's id2label is
    /// no evidence: transformers writes two dummy labels for every model).
    public var hasClassifierHead: Bool {
        guard let arch = config?.architecture else { return false }
        return entries.contains { $0.canonical == arch.head.output + ".weight" && $0.status == .mapped }
    }

    /// The outcome for one target parameter.
    public enum Status: String, Sendable { case mapped, missing, shapeMismatch = "shape_mismatch", ambiguous }

    /// One target parameter: its source tensor, shapes, layout and transform, or why it has none.
    public struct Entry: Sendable {
        public var canonical: String
        public var source: String?
        public var sourceShape: [Int]?
        public var expectedShape: [Int]
        public var layout: WeightLayout?
        /// What reading the source takes: "none", "transpose" ([out, in] → the GEMM's [in, out]),
        /// or "reshape" (merging dimensions of a Keras EinsumDense kernel; no data moves).
        public var transform: String
        public var status: Status
        public var optional: Bool
        public var candidates: [String]
    }

    /// A source tensor no parameter took, and whether the convention allows that (optimizer state, MLM heads).
    public struct Unused: Sendable {
        public var name: String
        public var ignorable: Bool
    }

    public var path: String
    /// The graph mapped onto.
    public var kind: GraphKind
    public var model: String { kind.rawValue }
    /// How the graph was chosen (given, the config's model_type, the checkpoint's prefixes, or the
    /// only graph whose conventions map), when it was not given.
    public var selection: String?
    public var convention: Convention?
    /// Matched spellings per convention, the evidence for the choice.
    public var conventionScores: [String: Int]
    /// The resolved config, of the graph's own type.
    public var graphConfig: GraphConfig?
    /// The BERT-family config, when the graph is one.
    public var config: BertConfig? {
        get { if case .bert(let c)? = graphConfig { return c } else { return nil } }
        set { graphConfig = newValue.map { .bert($0) } }
    }
    /// The text classifier's config, when the graph is the text classifier.
    public var textClassifierConfig: TextClassifierConfig? {
        get { if case .textClassifier(let c)? = graphConfig { return c } else { return nil } }
        set { graphConfig = newValue.map { .textClassifier($0) } }
    }
    public var configSource: String
    public var inferred: [String]
    public var defaulted: [String]
    public var entries: [Entry]
    public var unused: [Unused]
    /// Groups of source tensors holding identical data (tied or shared weights).
    public var tied: [[String]] = []
    /// A config that was found but could not be used (an unsupported `hidden_act`, a `model_type`
    /// of another graph): the mapping fails and says why.
    public var configProblem: String?
    /// How the source's own words were read where they mean something else than they say (the
    /// Google BERT config's "gelu" is the tanh approximation).
    public var notes: [String] = []

    public var missing: [Entry] { entries.filter { $0.status == .missing && !$0.optional } }
    public var mismatched: [Entry] { entries.filter { $0.status == .shapeMismatch } }
    public var ambiguous: [Entry] { entries.filter { $0.status == .ambiguous } }
    public var unexpected: [Unused] { unused.filter { !$0.ignorable } }
    /// Nothing required is missing or mis-shaped, nothing is ambiguous, and every source tensor is
    /// used or known to be ignorable.
    public var passed: Bool {
        convention != nil && configProblem == nil && missing.isEmpty && mismatched.isEmpty && ambiguous.isEmpty
            && unexpected.isEmpty
    }

    public init(path: String, kind: GraphKind, convention: Convention? = nil, conventionScores: [String: Int] = [:]) {
        self.path = path
        self.kind = kind
        self.convention = convention
        self.conventionScores = conventionScores
        configSource = "none"
        inferred = []
        defaulted = []
        entries = []
        unused = []
    }
}

/// A graph's resolved config, of the graph's own type; `json` is its one spelling (`map --json`,
/// the `.wkc` model section, `--layout hf`'s config.json for the BERT family).
public enum GraphConfig: Sendable, Equatable {
    case bert(BertConfig)
    case textClassifier(TextClassifierConfig)

    public var kind: GraphKind {
        switch self {
        case .bert(let c): return c.kind
        case .textClassifier: return .textClassifier
        }
    }

    /// The one JSON spelling: Hugging Face config.json for the BERT family, the keys of
    /// `weightkit params` for the text classifier.
    public var json: JSONValue {
        switch self {
        case .bert(let c): return .object(c.huggingFaceJSON)
        case .textClassifier(let c): return c.json
        }
    }
}

/// Maps a checkpoint onto a BERT-family graph (BERT, RoBERTa, DistilBERT) from the family's
/// mapping table: the convention that explains the most tensors, the config (given, config.json,
/// or inferred from shapes), and every parameter with its source.
public enum BertMapper {
    /// Maps a checkpoint onto the BERT graph. `config` overrides the one found or inferred.
    public static func map(_ checkpoint: any Checkpoint, config override: BertConfig? = nil) -> MappingReport {
        map(checkpoint, table: BertMappingTable.table, config: override)
    }

    /// Maps a checkpoint onto the graph of `table`. `config` overrides the one found or inferred.
    public static func map(_ checkpoint: any Checkpoint, table: BertFamilyTable, config override: BertConfig? = nil)
        -> MappingReport
    {
        let names = checkpoint.tensors.map(\.name)
        let arch = table.kind.bertArchitecture!
        // Choose the convention that explains the most tensors.
        var best: (Convention, Int)? = nil
        var scores: [String: Int] = [:]
        // A graph-ready file says so; names alone never select that convention (a PyTorch file
        // has the same names with the other orientation).
        let graphReady = checkpoint.metadata[Convention.layoutKey] == Convention.graphReadyValue
        for c in table.conventions where (c == .graphReady) == graphReady {
            let normalised = Set(names.map { table.normalise($0, c) })
            let layers = countLayers(normalised, c, table)
            var hits = 0
            // The word embeddings anchor a convention: without them nothing else counts (a Keras
            // Dense called `layers/dense` is not a BERT pooler).
            guard let anchor = table.rows[0].spellings.first(where: { $0.convention == c })?.name(layer: nil) else {
                continue
            }
            guard normalised.contains(anchor) else { scores[c.rawValue] = 0; continue }
            for row in table.rows {
                guard let s = row.spellings.first(where: { $0.convention == c }) else { continue }
                for l in (row.perLayer ? (0..<layers).map { Optional($0) } : [nil])
                where normalised.contains(s.name(layer: l)) { hits += 1 }
            }
            scores[c.rawValue] = hits
            if hits > (best?.1 ?? 0) { best = (c, hits) }
        }
        var report = MappingReport(
            path: checkpoint.path, kind: table.kind, convention: best?.0, conventionScores: scores)
        guard let convention = best?.0 else {
            report.unused = names.map { .init(name: $0, ignorable: false) }
            return report
        }
        // Normalised name → original names (more than one is an ambiguity).
        var byName: [String: [TensorInfo]] = [:]
        for t in checkpoint.tensors { byName[table.normalise(t.name, convention), default: []].append(t) }
        let layers = countLayers(Set(byName.keys), convention, table)
        /// Every tensor any of the convention's spellings of a parameter finds (more than one is ambiguous).
        func lookup(_ canonical: String, layer: Int?) -> (SourceSpelling, [TensorInfo])? {
            guard let row = table.rows.first(where: { $0.canonical == canonical }) else { return nil }
            let spellings = row.spellings.filter { $0.convention == convention }
            guard let first = spellings.first else { return nil }
            var found: [TensorInfo] = []
            var used = first
            for s in spellings {
                let hits = byName[s.name(layer: layer)] ?? []
                if !hits.isEmpty && found.isEmpty { used = s }
                found += hits
            }
            return (used, found)
        }

        // Config: an override, the checkpoint's, or inferred from shapes. A config.json that is
        // there but cannot be used is a problem reported as such, never replaced by inference.
        var found: BertConfig? = override
        if override != nil {
            report.configSource = "given"
        } else if let c = checkpoint.modelConfig {
            do {
                found = try BertConfig(huggingFace: c)
                report.configSource = "model config (\(checkpoint.metadata["config_file"] ?? "config.json"))"
            } catch { report.configProblem = "\(error)" }
        }
        var config: BertConfig
        if let found {
            config = found
        } else {
            (config, report.inferred, report.defaulted) = infer(arch, convention: convention, layers: layers) {
                lookup($0, layer: $1)?.1.first?.shape
            }
            report.configSource =
                report.configProblem == nil ? "inferred from shapes" : "inferred from shapes (config.json rejected)"
        }
        if config.numLabels == nil, found != nil, override == nil,
            let c = lookup(arch.head.output + ".weight", layer: nil)?.1, c.count == 1, c[0].shape.count == 2
        {
            // A fine-tuned head the config does not count (Google's bert_config.json never does).
            let shape = c[0].shape
            config.numLabels = [.huggingFacePyTorch, .googleBert, .gguf].contains(convention) ? shape[0] : shape[1]
            report.inferred.append("num_labels (from \(c[0].name) \(c[0].shapeDescription))")
        }
        if convention == .googleBert, found != nil, override == nil {
            // google-research/bert's modeling.py has one gelu, the tanh approximation, and masks
            // with (1 - mask) * -10000; bert_config.json still says "gelu".
            if config.activation == .geluExact {
                config.activation = .geluTanh
                report.notes.append(
                    "hidden_act: bert_config.json says \"gelu\", which google-research/bert's modeling.py computes with the tanh approximation (0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))); using gelu_tanh"
                )
            }
            config.maskValue = -10000
        }
        if config.kind != table.kind, report.configProblem == nil {
            report.configProblem = "the config describes \(config.kind.rawValue), not \(table.kind.rawValue)"
        }
        config.kind = table.kind
        report.config = config

        // Every target parameter.
        let specs = BertModel.parameterTable(config, pooler: true, classifier: config.numLabels != nil)
        var claimed = Set<String>()
        for spec in specs {
            let (template, layer) = templateOf(spec.name, arch)
            var entry = MappingReport.Entry(
                canonical: spec.name, source: nil, sourceShape: nil, expectedShape: spec.shape, layout: nil,
                transform: "none", status: .missing, optional: spec.optional, candidates: [])
            if let (spelling, found) = lookup(template, layer: layer), !found.isEmpty {
                entry.candidates = found.map(\.name)
                found.forEach { claimed.insert($0.name) }
                if found.count > 1 {
                    entry.status = .ambiguous
                } else {
                    let t = found[0]
                    entry.source = t.name
                    entry.sourceShape = t.shape
                    entry.layout = spelling.layout
                    var expected = spec.shape
                    if spec.isLinearWeight, spelling.layout == .inOut { expected = [spec.shape[1], spec.shape[0]] }
                    if t.shape == expected {
                        entry.status = .mapped
                        entry.transform = spec.isLinearWeight && spelling.layout == .outIn ? "transpose" : "none"
                    } else if ParameterBinder.isContiguousReshape(t.shape, to: expected) {
                        entry.status = .mapped
                        entry.transform = "reshape"
                    } else {
                        entry.status = .shapeMismatch
                        entry.expectedShape = expected
                    }
                }
            }
            report.entries.append(entry)
        }
        report.unused = checkpoint.tensors.filter { !claimed.contains($0.name) }.map {
            .init(name: $0.name, ignorable: table.isIgnorable(table.normalise($0.name, convention), convention))
        }
        report.tied = TiedWeights.find(in: checkpoint)
        if let pooler = arch.pooler, arch.head.input == .pooled, config.numLabels != nil,
            report.entries.contains(where: { $0.canonical == pooler + ".weight" && $0.status == .missing }),
            report.entries.contains(where: { $0.canonical == arch.head.output + ".weight" && $0.status == .mapped })
        {
            report.notes.append(
                "a classification head without the pooler it reads (\(pooler)): no logits"
                    + (convention == .gguf
                        ? " — llama.cpp's convert_hf_to_gguf.py drops BERT's pooler and keeps the head as cls.output (llama.cpp's rank pooling then applies it to the [CLS] state without the pooler's dense + tanh); WeightKit's GGUF export keeps the pooler as cls"
                        : ""))
        }
        return report
    }

    /// "encoder.layer.3.output.dense.weight" → ("encoder.layer.{layer}.output.dense.weight", 3).
    static func templateOf(_ name: String, _ arch: BertArchitecture) -> (String, Int?) {
        let prefix = arch.layerPrefix
        guard name.hasPrefix(prefix) else { return (name, nil) }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let l = Int(rest[..<dot]) else { return (name, nil) }
        return (prefix + "{layer}" + rest[dot...], l)
    }

    static func countLayers(_ names: Set<String>, _ c: Convention, _ table: BertFamilyTable) -> Int {
        let arch = table.kind.bertArchitecture!
        let query = arch.layerPrefix + "{layer}." + arch.layer.query + ".weight"
        guard let row = table.rows.first(where: { $0.canonical == query }),
            let s = row.spellings.first(where: { $0.convention == c })
        else { return 0 }
        var n = 0
        while n < 10_000, names.contains(s.name(layer: n)) { n += 1 }
        return n
    }

    /// A config from the tensors' shapes, saying which values were inferred and which defaulted.
    static func infer(_ a: BertArchitecture, convention: Convention, layers: Int, shape: (String, Int?) -> [Int]?) -> (
        BertConfig, [String], [String]
    ) {
        var inferred: [String] = ["num_hidden_layers"], defaulted: [String] = []
        let word = shape(a.wordEmbeddings + ".weight", nil) ?? [0, 0]
        let H = word.count == 2 ? word[1] : 0
        inferred += ["vocab_size", "hidden_size"]
        let pos = shape(a.positionEmbeddings + ".weight", nil)?.first ?? 512
        let types = a.tokenTypeEmbeddings.map { shape($0 + ".weight", nil)?.first ?? 2 } ?? 0
        inferred += ["max_position_embeddings"] + (a.tokenTypeEmbeddings == nil ? [] : ["type_vocab_size"])
        let layer0 = a.layerPrefix + "{layer}."
        let inter = shape(layer0 + a.layer.intermediate + ".weight", 0) ?? [4 * H, H]
        let I = [.huggingFacePyTorch, .gguf].contains(convention) ? inter[0] : inter.last ?? 4 * H
        inferred.append("intermediate_size")
        var heads = max(1, H / 64)
        if let q = shape(layer0 + a.layer.query + ".weight", 0), q.count == 3 {
            heads = q[1]
            inferred.append("num_attention_heads")
        } else {
            defaulted.append("num_attention_heads (hidden_size / 64: 2-D attention kernels do not record heads)")
        }
        var labels: Int? = nil
        if let c = shape(a.head.output + ".weight", nil), c.count == 2 {
            labels = [.huggingFacePyTorch, .googleBert, .gguf].contains(convention) ? c[0] : c[1]
            inferred.append("num_labels")
        }
        // keras-hub, Model Garden and Google's modeling.py default to tanh GELU; Hugging Face to erf.
        let act: Kernels.Activation =
            [.kerasHub, .tfModelGarden, .googleBert].contains(convention) ? .geluTanh : .geluExact
        // Hugging Face's RoBERTa configs use eps 1e-5; BERT's and DistilBERT's 1e-12.
        let eps: Float = a.kind == .roberta ? 1e-5 : 1e-12
        defaulted += ["hidden_act (\(act.rawValue), the \(convention.rawValue) default)", "layer_norm_eps (\(eps))"]
        if a.kind == .roberta { defaulted.append("pad_token_id (1, where RoBERTa's positions start)") }
        let mask: Float =
            [.huggingFacePyTorch, .gguf].contains(convention)
            ? -Float.greatestFiniteMagnitude : ([.huggingFaceTF, .googleBert].contains(convention) ? -10000 : -1e9)
        var config = BertConfig(
            vocabSize: word.first ?? 0, hiddenSize: H, numLayers: layers, numHeads: heads, intermediateSize: I,
            maxPositions: pos, typeVocabSize: types, activation: act, layerNormEps: eps, maskValue: mask,
            numLabels: labels)
        config.kind = a.kind
        return (config, inferred, defaulted)
    }
}

/// Binds a graph through a mapping report (any graph: BERT's linear weights carry their layout
/// in the report; the text classifier's Keras kernels are consumed as stored, [in, out]).
public struct MappedParameterSource: ParameterSource {
    public let checkpoint: any Checkpoint
    public let report: MappingReport
    private let defaultLayout: WeightLayout
    public init(checkpoint: any Checkpoint, report: MappingReport) {
        self.checkpoint = checkpoint
        self.report = report
        self.defaultLayout = report.kind == .textClassifier ? .inOut : .outIn
    }

    public func tensor(for name: String) throws -> (view: TensorView, layout: WeightLayout)? {
        guard let e = report.entries.first(where: { $0.canonical == name }), e.status == .mapped, let source = e.source,
            let info = checkpoint.info(named: source)
        else { return nil }
        return (try checkpoint.view(info), e.layout ?? defaultLayout)
    }

    public func packedTensor(for name: String) -> PackedTensor? {
        guard let e = report.entries.first(where: { $0.canonical == name }), e.status == .mapped, let source = e.source,
            let info = checkpoint.info(named: source)
        else { return nil }
        return checkpoint.packedTensor(info)
    }
}
