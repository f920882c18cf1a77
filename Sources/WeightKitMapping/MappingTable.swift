import WeightKitGraphs

/// A naming convention a checkpoint can use for a graph's parameters.
public enum Convention: String, Sendable, CaseIterable {
    /// Hugging Face PyTorch (`embeddings.word_embeddings.weight`, `bert.` prefix optional, Linear [out, in]).
    case huggingFacePyTorch = "hf-pytorch"
    /// Hugging Face TF (`…/bert/encoder/layer_._N/…/kernel:0`, model-class prefix, Dense [in, out]).
    case huggingFaceTF = "hf-tensorflow"
    /// keras-hub BertBackbone `.weights.h5` (`layers/transformer_encoder_N/…/vars/i`, EinsumDense 3-D kernels).
    case kerasHub = "keras-hub"
    /// TensorFlow Model Garden / TF-Hub BERT (`official.nlp.modeling.networks.BertEncoder`):
    /// `transformer/layer_N/self_attention/query/kernel` with EinsumDense 3-D kernels, as saved to
    /// HDF5 or converted to safetensors (any prefix in front, `:0` optional).
    case tfModelGarden = "tf-model-garden"
    /// The original Google BERT TF1 checkpoints (google-research/bert `modeling.py`,
    /// `run_classifier.py`): `bert/encoder/layer_N/attention/self/query/kernel` [in, out],
    /// `output_weights` [labels, hidden]; `cls/` pre-training heads ignored.
    case googleBert = "google-bert"
    /// tf_keras `model.save_weights("ckpt")` in TensorFlow format (a TF2 object-based bundle):
    /// parameters found by object path (`layer_with_weights-1/att/_query_dense/kernel`).
    case tfKerasCheckpoint = "tf-keras-checkpoint"
    /// llama.cpp's GGUF names (`token_embd`, `blk.N.attn_q`, … `cls.output`), linear weights [out, in].
    case gguf = "gguf"
    /// A graph-ready `.wkc` written by WeightKit: canonical names, every linear weight [in, out].
    /// Recognised only from the file's own `weightkit.layout` metadata, never from names.
    case graphReady = "weightkit-graph-ready"
    /// Keras 3 `.weights.h5` / `.keras`: attribute-name paths (`layers/transformer_block/att/query_dense/vars/0`).
    case keras3 = "keras3"
    /// tf_keras `.keras`: the same with MultiHeadAttention's private names (`att/_query_dense`).
    case tfKerasArchive = "tf-keras-archive"
    /// Legacy `.h5` (Keras 2, or Keras 3 writing it): weights by position in layer_names /
    /// weight_names order; the names are labels only.
    case kerasLegacyPositional = "keras-legacy-positional"

    /// The metadata key and value that mark a graph-ready file.
    public static let layoutKey = "weightkit.layout"
    public static let graphReadyValue = "graph-ready"
}

/// One accepted spelling of a parameter: the convention's name template (`{layer}` for the block
/// index, `{kh}` for keras-hub's "" / "_1" / "_2" layer suffix) and how its data is laid out.
public struct SourceSpelling: Sendable {
    public var convention: Convention
    public var template: String
    /// Orientation of a 2-D linear weight as stored (nil for other tensors).
    public var layout: WeightLayout?

    public init(_ convention: Convention, _ template: String, layout: WeightLayout? = nil) {
        self.convention = convention
        self.template = template
        self.layout = layout
    }

    func name(layer: Int?) -> String {
        guard let layer else { return template }
        return template.replacingEvery("{layer}", with: String(layer)).replacingEvery(
            "{kh}", with: layer == 0 ? "" : "_\(layer)")
    }
}

/// One row of a mapping table: a canonical parameter (template) and every spelling it accepts.
public struct MappingRow: Sendable {
    public var canonical: String
    public var spellings: [SourceSpelling]
    public var perLayer: Bool { canonical.contains("{layer}") }
}

extension String {
    func replacingEvery(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// A BERT-family graph's mapping table: one row per canonical parameter with every convention's
/// spelling, the conventions it is read from, the prefixes that frameworks put in front of the
/// encoder's names (removed before lookup), and the tensors that may be present but are not needed.
public struct BertFamilyTable: Sendable {
    public var kind: GraphKind
    public var rows: [MappingRow]
    public var conventions: [Convention]
    /// The task model's prefix in PyTorch names (`bert.`, `roberta.`, `distilbert.`).
    public var pyTorchPrefix: String
    /// The first characters of the TF model-class component (`tf_bert` in
    /// `tf_bert_for_sequence_classification/bert/…`); everything up to it is removed.
    public var tensorFlowClassPrefixes: [String]
    /// Source tensors (normalised names) the convention may carry that no graph parameter needs.
    public var ignorable: @Sendable (String, Convention) -> Bool

    public init(
        kind: GraphKind, rows: [MappingRow], conventions: [Convention], pyTorchPrefix: String,
        tensorFlowClassPrefixes: [String], ignorable: @escaping @Sendable (String, Convention) -> Bool
    ) {
        self.kind = kind
        self.rows = rows
        self.conventions = conventions
        self.pyTorchPrefix = pyTorchPrefix
        self.tensorFlowClassPrefixes = tensorFlowClassPrefixes
        self.ignorable = ignorable
    }

    /// The name `convention` gives a canonical parameter (`encoder.layer.3.attention.self.query.weight`
    /// → `blk.3.attn_q.weight` under `.gguf`), nil when it has none.
    public func name(of canonical: String, in convention: Convention) -> String? {
        for row in rows {
            guard let s = row.spellings.first(where: { $0.convention == convention }) else { continue }
            if !row.perLayer {
                if row.canonical == canonical { return s.name(layer: nil) }
                continue
            }
            let parts = row.canonical.components(separatedBy: "{layer}")
            guard parts.count == 2, canonical.hasPrefix(parts[0]), canonical.hasSuffix(parts[1]),
                canonical.count > parts[0].count + parts[1].count,
                let layer = Int(canonical.dropFirst(parts[0].count).dropLast(parts[1].count))
            else { continue }
            return s.name(layer: layer)
        }
        return nil
    }

    public func isIgnorable(_ normalisedName: String, _ convention: Convention) -> Bool {
        ignorable(normalisedName, convention)
    }

    /// The name a tensor has under `convention` once incidental prefixes are removed: PyTorch's
    /// task prefix, TF's model-class component (and the Keras layer group in front of it in a
    /// single tf_model.h5); the other conventions as `Convention.normalise` says.
    public func normalise(_ name: String, _ convention: Convention) -> String {
        switch convention {
        case .huggingFacePyTorch:
            return name.hasPrefix(pyTorchPrefix) ? String(name.dropFirst(pyTorchPrefix.count)) : name
        case .huggingFaceTF:
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if let i = parts.lastIndex(where: { p in tensorFlowClassPrefixes.contains { p.hasPrefix($0) } }) {
                return parts[(i + 1)...].joined(separator: "/")
            }
            return name
        default:
            return convention.normalise(name)
        }
    }
}

extension MappingRow {
    /// A Hugging Face row written out whole: the PyTorch name (also the canonical name, and the
    /// graph-ready `.wkc` name) and the TF name (`kernel:0` [in, out] for linear weights).
    /// `gguf`, where llama.cpp has the family: its GGUF name (linear weights [out, in], as PyTorch).
    static func huggingFace(_ canonical: String, gguf: String? = nil, tf: String, linear: Bool = false) -> MappingRow {
        MappingRow(
            canonical: canonical,
            spellings: [
                SourceSpelling(.huggingFacePyTorch, canonical, layout: linear ? .outIn : nil),
                SourceSpelling(.graphReady, canonical, layout: linear ? .inOut : nil),
                SourceSpelling(.huggingFaceTF, tf, layout: linear ? .inOut : nil),
            ] + (gguf.map { [SourceSpelling(.gguf, $0, layout: linear ? .outIn : nil)] } ?? []))
    }
}
