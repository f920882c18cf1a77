import WeightKitCheckpoints
import WeightKitGraphs

/// The Keras text classifier's parameters, and the paths Keras 3 and tf_keras archives give
/// them (legacy `.h5` files are mapped by position: see `TextClassifierMapper`).
public enum TextClassifierMappingTable {
    /// (canonical name, Keras 3 path; "{mha}" is "" in Keras 3 and "_" in tf_keras archives).
    public static let rows: [(canonical: String, path: String)] = {
        var r: [(String, String)] = [
            ("embedding.token", "layers/token_and_position_embedding/token_emb/vars/0"),
            ("embedding.position", "layers/token_and_position_embedding/pos_emb/vars/0"),
        ]
        for n in ["query", "key", "value"] {
            r += [
                ("block.attention.\(n).kernel", "layers/transformer_block/att/{mha}\(n)_dense/vars/0"),
                ("block.attention.\(n).bias", "layers/transformer_block/att/{mha}\(n)_dense/vars/1"),
            ]
        }
        r += [
            ("block.attention.output.kernel", "layers/transformer_block/att/{mha}output_dense/vars/0"),
            ("block.attention.output.bias", "layers/transformer_block/att/{mha}output_dense/vars/1"),
            ("block.ffn.0.kernel", "layers/transformer_block/ffn/layers/dense/vars/0"),
            ("block.ffn.0.bias", "layers/transformer_block/ffn/layers/dense/vars/1"),
            ("block.ffn.1.kernel", "layers/transformer_block/ffn/layers/dense_1/vars/0"),
            ("block.ffn.1.bias", "layers/transformer_block/ffn/layers/dense_1/vars/1"),
            ("block.norm1.gamma", "layers/transformer_block/layernorm1/vars/0"),
            ("block.norm1.beta", "layers/transformer_block/layernorm1/vars/1"),
            ("block.norm2.gamma", "layers/transformer_block/layernorm2/vars/0"),
            ("block.norm2.beta", "layers/transformer_block/layernorm2/vars/1"),
            ("hidden.kernel", "layers/dense/vars/0"), ("hidden.bias", "layers/dense/vars/1"),
            ("output.kernel", "layers/dense_1/vars/0"), ("output.bias", "layers/dense_1/vars/1"),
        ]
        return r
    }()

    /// The object path a tf_keras TensorFlow-format checkpoint (`model.save_weights("ckpt")`)
    /// saves a parameter under (its key without `/.ATTRIBUTES/VARIABLE_VALUE`): the functional
    /// model's weighted layers numbered `layer_with_weights-N`, then the layers' own attributes.
    /// `first` is the embedding's `layer_with_weights` number: 0, or 1 when a TextVectorization
    /// (whose lookup table is a weight) comes before it.
    public static func objectPath(_ canonical: String, first: Int = 0) -> String? {
        let parts = canonical.split(separator: ".").map(String.init)
        guard let leaf = parts.last else { return nil }
        func layer(_ k: Int) -> String { "layer_with_weights-\(first + k)/" }
        switch (parts[0], parts.count) {
        case ("embedding", 2): return layer(0) + (leaf == "token" ? "token_emb/embeddings" : "pos_emb/embeddings")
        case ("hidden", 2): return layer(2) + leaf
        case ("output", 2): return layer(3) + leaf
        case ("block", 4) where parts[1] == "attention": return layer(1) + "att/_\(parts[2])_dense/" + leaf
        case ("block", 4) where parts[1] == "ffn": return layer(1) + "ffn/layer_with_weights-\(parts[2])/" + leaf
        case ("block", 3): return layer(1) + "layer" + parts[1] + "/" + leaf
        default: return nil
        }
    }

    /// The legacy weight order Keras itself uses when loading by position (layer_names, then
    /// each layer's weight_names; MultiHeadAttention q/k/v/o kernel+bias, then the Sequential
    /// FFN, then the two LayerNormalizations, then the two Dense layers).
    public static var positionalOrder: [String] { rows.map(\.canonical) }
}

/// Maps a Keras checkpoint onto the text classifier: by path (Keras 3, tf_keras archives) or by position (legacy `.h5`).
public enum TextClassifierMapper {
    static let attributeSuffix = "/.ATTRIBUTES/VARIABLE_VALUE"

    public static func map(_ checkpoint: any Checkpoint, config override: TextClassifierConfig? = nil) -> MappingReport
    {
        let names = Set(checkpoint.tensors.map(\.name))
        var report = MappingReport(path: checkpoint.path, kind: .textClassifier)
        // Source tensor for each canonical name, by convention.
        var chosen: [String: TensorInfo] = [:]
        // A graph-ready .wkc written by WeightKit: canonical names, its own config.
        var ownConfig: TextClassifierConfig?
        if checkpoint.metadata[Convention.layoutKey] == Convention.graphReadyValue, let c = checkpoint.modelConfig {
            let hits = TextClassifierMappingTable.rows.filter { names.contains($0.canonical) }
            report.conventionScores[Convention.graphReady.rawValue] = hits.count
            if !hits.isEmpty {
                report.convention = .graphReady
                // Its own config, or the reason it cannot be used (never replaced by inference unsaid).
                do { ownConfig = try TextClassifierConfig(json: c) } catch {
                    if override == nil { report.configProblem = "the .wkc model section's config: \(error)" }
                }
                for h in hits { chosen[h.canonical] = checkpoint.info(named: h.canonical) }
            }
        }
        for (convention, mha) in [(Convention.keras3, ""), (.tfKerasArchive, "_")]
        where report.convention != .graphReady {
            let hits = TextClassifierMappingTable.rows.filter {
                names.contains($0.path.replacingEvery("{mha}", with: mha))
            }
            report.conventionScores[convention.rawValue] = hits.count
            if hits.count > chosen.count, names.contains(TextClassifierMappingTable.rows[0].path) {
                report.convention = convention
                chosen = [:]
                for h in hits {
                    chosen[h.canonical] = checkpoint.info(named: h.path.replacingEvery("{mha}", with: mha))
                }
            }
        }
        // A tf_keras TensorFlow-format checkpoint: by object path (the tensors are named by their
        // variables' full names, whose layer counters — dense_2, dense_3 — depend on the session).
        if report.convention == nil, checkpoint.tensors.contains(where: { !$0.aliases.isEmpty }) {
            var byPath: [String: TensorInfo] = [:]
            for t in checkpoint.tensors {
                for a in t.aliases {
                    byPath[a.hasSuffix(Self.attributeSuffix) ? String(a.dropLast(Self.attributeSuffix.count)) : a] = t
                }
            }
            // Whatever root the checkpoint put the model under (`model/` in tf.train.Checkpoint(model=…)),
            // and the embedding's layer number (after a TextVectorization, 1).
            let anchor = (0...1).lazy.compactMap { first -> (Substring, Int)? in
                let a = TextClassifierMappingTable.objectPath("embedding.token", first: first)!
                return byPath.keys.first { $0 == a || $0.hasSuffix("/" + a) }.map { ($0.dropLast(a.count), first) }
            }.first
            if let (root, first) = anchor {
                var hits = 0
                for (canonical, _) in TextClassifierMappingTable.rows {
                    if let p = TextClassifierMappingTable.objectPath(canonical, first: first), let t = byPath[root + p]
                    {
                        chosen[canonical] = t
                        hits += 1
                    }
                }
                report.conventionScores[Convention.tfKerasCheckpoint.rawValue] = hits
                report.convention = .tfKerasCheckpoint
            }
        }
        // Legacy `.h5` weights (and a plain `.wkc` or safetensors converted from one, which keep the
        // `keras.layout` metadata and the order, `TensorOrder`): by position, as Keras loads these files, the
        // k-th weight in the file's order.
        if report.convention == nil, ["legacy", "hfShard"].contains(checkpoint.metadata["keras.layout"]) {
            let order = TextClassifierMappingTable.positionalOrder
            report.conventionScores[Convention.kerasLegacyPositional.rawValue] = min(
                order.count, checkpoint.tensors.count)
            if checkpoint.tensors.count >= order.count - 2 {
                report.convention = .kerasLegacyPositional
                for (c, t) in zip(order, TensorOrder.tensors(of: checkpoint)) { chosen[c] = t }
            }
        }
        guard let convention = report.convention else {
            report.unused = checkpoint.tensors.map { .init(name: $0.name, ignorable: false) }
            return report
        }
        // Config: given, or inferred from the shapes (every dimension is in them but the epsilon).
        let config: TextClassifierConfig
        if let override {
            config = override
            report.configSource = "given"
        } else if let ownConfig {
            config = ownConfig
            report.configSource = "the .wkc model section"
        } else {
            let tok = chosen["embedding.token"]?.shape ?? [0, 0], pos = chosen["embedding.position"]?.shape ?? [0, 0]
            let q = chosen["block.attention.query.kernel"]?.shape ?? [0, 1, 0]
            let ff = chosen["block.ffn.0.kernel"]?.shape ?? [0, 0], hid = chosen["hidden.kernel"]?.shape ?? [0, 0]
            let out = chosen["output.kernel"]?.shape ?? [0, 0]
            config = TextClassifierConfig(
                vocabSize: tok.first ?? 0, maxLength: pos.first ?? 0, embedDim: tok.last ?? 0,
                numHeads: q.count == 3 ? q[1] : 1, keyDim: q.count == 3 ? q[2] : 0,
                feedForwardDim: ff.last ?? 0, hiddenUnits: hid.last ?? 0, numClasses: out.last ?? 0, layerNormEps: 1e-6)
            report.configSource = "inferred from shapes"
            report.inferred = [
                "vocab_size", "max_length", "embed_dim", "num_heads", "key_dim", "ff_dim", "hidden_units",
                "num_classes",
            ]
            report.defaulted = [
                "layer_norm_eps (1e-6, the Keras documentation model's; LayerNormalization's own default is 1e-3 and is not recorded in weight files)"
            ]
        }
        report.textClassifierConfig = config
        var claimed = Set<String>()
        for spec in TextClassifierModel.parameterTable(config) {
            var e = MappingReport.Entry(
                canonical: spec.name, source: nil, sourceShape: nil, expectedShape: spec.shape, layout: nil,
                transform: "none", status: .missing, optional: false, candidates: [])
            if let t = chosen[spec.name] {
                claimed.insert(t.name)
                e.source = t.name
                e.sourceShape = t.shape
                e.candidates = [t.name]
                e.status = t.shape == spec.shape ? .mapped : .shapeMismatch
            }
            report.entries.append(e)
        }
        report.unused = checkpoint.tensors.filter { !claimed.contains($0.name) }.map {
            .init(name: $0.name, ignorable: BertMappingTable.isIgnorable($0.name, convention))
        }
        report.tied = TiedWeights.find(in: checkpoint)
        return report
    }
}
