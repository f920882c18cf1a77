import WeightKitGraphs

/// BERT's parameters and the spellings each convention uses for them. Adding a convention is
/// adding a column of spellings here; names are normalised first (see `BertFamilyTable.normalise`).
public enum BertMappingTable {
    public static let table = BertFamilyTable(
        kind: .bert, rows: rows, conventions: Convention.allCases, pyTorchPrefix: "bert.",
        tensorFlowClassPrefixes: ["tf_bert"],
        ignorable: { isIgnorable($0, $1) })

    static func row(_ canonical: String, pt: String? = nil, tf: String?, kh: String?, mg: String?, linear: Bool = false)
        -> MappingRow
    {
        var s: [SourceSpelling] = [
            SourceSpelling(.huggingFacePyTorch, pt ?? canonical, layout: linear ? .outIn : nil),
            SourceSpelling(.graphReady, canonical, layout: linear ? .inOut : nil),
        ]
        if let tf { s.append(SourceSpelling(.huggingFaceTF, tf, layout: linear ? .inOut : nil)) }
        if let kh { s.append(SourceSpelling(.kerasHub, kh, layout: linear ? .inOut : nil)) }
        if let mg { s.append(SourceSpelling(.tfModelGarden, mg, layout: linear ? .inOut : nil)) }
        return MappingRow(canonical: canonical, spellings: s)
    }

    static func linear(_ canonical: String, tf: String, kh: String?, mg: String?) -> [MappingRow] {
        [
            row(
                canonical + ".weight", tf: tf + "/kernel:0", kh: kh.map { $0 + "/vars/0" },
                mg: mg.map { $0 + "/kernel" }, linear: true),
            row(canonical + ".bias", tf: tf + "/bias:0", kh: kh.map { $0 + "/vars/1" }, mg: mg.map { $0 + "/bias" }),
        ]
    }

    static func norm(_ canonical: String, tf: String, kh: String, mg: String) -> [MappingRow] {
        var w = row(canonical + ".weight", pt: nil, tf: tf + "/gamma:0", kh: kh + "/vars/0", mg: mg + "/gamma")
        var b = row(canonical + ".bias", tf: tf + "/beta:0", kh: kh + "/vars/1", mg: mg + "/beta")
        // Older PyTorch BERT checkpoints (converted from TF) spell LayerNorm gamma / beta.
        w.spellings.append(SourceSpelling(.huggingFacePyTorch, canonical + ".gamma"))
        b.spellings.append(SourceSpelling(.huggingFacePyTorch, canonical + ".beta"))
        return [w, b]
    }

    public static let rows: [MappingRow] = {
        let e = "encoder.layer.{layer}."
        let tfl = "bert/encoder/layer_._{layer}/"
        let khl = "layers/transformer_encoder{kh}/"
        let mgl = "transformer/layer_{layer}/"
        var r: [MappingRow] = [
            row(
                "embeddings.word_embeddings.weight", tf: "bert/embeddings/word_embeddings/weight:0",
                kh: "layers/reversible_embedding/vars/0",
                mg: "word_embeddings/embeddings"),
            row(
                "embeddings.position_embeddings.weight", tf: "bert/embeddings/position_embeddings/embeddings:0",
                kh: "layers/position_embedding/vars/0",
                mg: "position_embedding/embeddings"),
            row(
                "embeddings.token_type_embeddings.weight", tf: "bert/embeddings/token_type_embeddings/embeddings:0",
                kh: "layers/embedding/vars/0",
                mg: "type_embeddings/embeddings"),
        ]
        r += norm(
            "embeddings.LayerNorm", tf: "bert/embeddings/LayerNorm", kh: "layers/layer_normalization",
            mg: "embeddings/layer_norm")
        for n in ["query", "key", "value"] {
            r += linear(
                e + "attention.self.\(n)", tf: tfl + "attention/self/\(n)",
                kh: khl + "_self_attention_layer/\(n)_dense",
                mg: mgl + "self_attention/\(n)")
        }
        r += linear(
            e + "attention.output.dense", tf: tfl + "attention/output/dense",
            kh: khl + "_self_attention_layer/output_dense",
            mg: mgl + "self_attention/attention_output")
        r += norm(
            e + "attention.output.LayerNorm", tf: tfl + "attention/output/LayerNorm",
            kh: khl + "_self_attention_layer_norm",
            mg: mgl + "self_attention_layer_norm")
        r += linear(
            e + "intermediate.dense", tf: tfl + "intermediate/dense", kh: khl + "_feedforward_intermediate_dense",
            mg: mgl + "intermediate")
        r += linear(
            e + "output.dense", tf: tfl + "output/dense", kh: khl + "_feedforward_output_dense", mg: mgl + "output")
        r += norm(
            e + "output.LayerNorm", tf: tfl + "output/LayerNorm", kh: khl + "_feedforward_layer_norm",
            mg: mgl + "output_layer_norm")
        r += linear("pooler.dense", tf: "bert/pooler/dense", kh: "layers/dense", mg: "pooler_transform")
        r += linear("classifier", tf: "classifier", kh: nil, mg: nil)
        return r
    }()

    /// Source tensors every convention may carry that no graph parameter needs.
    public static func isIgnorable(_ normalisedName: String, _ convention: Convention) -> Bool {
        switch convention {
        case .huggingFacePyTorch:
            return normalisedName == "embeddings.position_ids" || normalisedName.hasPrefix("cls.")  // MLM / NSP heads
        case .huggingFaceTF:
            return normalisedName.hasPrefix("mlm___cls/") || normalisedName.hasPrefix("nsp___cls/")
        case .kerasHub:
            return normalisedName.hasPrefix("optimizer/") || normalisedName.hasPrefix("metrics/")
        case .graphReady, .keras3, .tfKerasArchive, .kerasLegacyPositional, .tfModelGarden:
            return normalisedName.hasPrefix("optimizer") || normalisedName.hasPrefix("metrics/")
        }
    }

    /// Where a Model Garden parameter's own path starts, whatever sits in front of it (the Keras
    /// layer group of a legacy .h5 repeats the layer name; a SavedModel export adds the model's).
    static let modelGardenRoots = [
        "word_embeddings/", "position_embedding/", "type_embeddings/", "embeddings/layer_norm/",
        "transformer/layer_", "pooler_transform/",
    ]
}

extension Convention {
    /// The name a tensor has under this convention once incidental prefixes are removed (the
    /// Hugging Face conventions' prefixes depend on the graph: `BertFamilyTable.normalise`).
    public func normalise(_ name: String) -> String {
        switch self {
        case .huggingFacePyTorch, .huggingFaceTF:
            return BertMappingTable.table.normalise(name, self)
        case .tfModelGarden:
            // The last place a Model Garden root starts a path component; ":0" dropped.
            let n = Array((name.hasSuffix(":0") ? String(name.dropLast(2)) : name).utf8)
            var start = 0
            for root in BertMappingTable.modelGardenRoots {
                let r = Array(root.utf8)
                guard n.count >= r.count else { continue }
                var i = n.count - r.count
                while i >= 0 {
                    if (i == 0 || n[i - 1] == UInt8(ascii: "/")) && n[i..<(i + r.count)].elementsEqual(r) {
                        start = max(start, i); break
                    }
                    i -= 1
                }
            }
            return String(decoding: n[start...], as: UTF8.self)
        case .kerasHub, .graphReady, .keras3, .tfKerasArchive, .kerasLegacyPositional:
            return name
        }
    }
}
