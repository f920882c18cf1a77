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
        return template.replacingEvery("{layer}", with: String(layer)).replacingEvery("{kh}", with: layer == 0 ? "" : "_\(layer)")
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
