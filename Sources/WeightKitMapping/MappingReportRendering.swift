import WeightKitCheckpoints
import WeightKitGraphs

extension MappingReport {
    public var json: JSONValue {
        func shape(_ s: [Int]?) -> JSONValue { s.map { .array($0.map { JSONValue.int($0) }) } ?? .null }
        var cfg: JSONValue = .null
        if let t = textClassifierConfig {
            cfg = .object([
                "vocab_size": .int(t.vocabSize), "max_length": .int(t.maxLength), "embed_dim": .int(t.embedDim),
                "num_heads": .int(t.numHeads), "key_dim": .int(t.keyDim), "ff_dim": .int(t.feedForwardDim),
                "hidden_units": .int(t.hiddenUnits), "num_classes": .int(t.numClasses),
                "layer_norm_eps": .double(Double(t.layerNormEps)),
            ])
        }
        if let c = config {
            cfg = .object([
                "vocab_size": .int(c.vocabSize), "hidden_size": .int(c.hiddenSize),
                "num_hidden_layers": .int(c.numLayers),
                "num_attention_heads": .int(c.numHeads), "intermediate_size": .int(c.intermediateSize),
                "max_position_embeddings": .int(c.maxPositions), "type_vocab_size": .int(c.typeVocabSize),
                "hidden_act": .string(c.activation.rawValue), "layer_norm_eps": .double(Double(c.layerNormEps)),
                "num_labels": c.numLabels.map { .int($0) } ?? .null,
            ])
        }
        return .object([
            "path": .string(path), "model": .string(model), "passed": .bool(passed),
            "selection": selection.map { .string($0) } ?? .null,
            "config_problem": configProblem.map { .string($0) } ?? .null,
            "convention": convention.map { .string($0.rawValue) } ?? .null,
            "convention_scores": .object(
                JSONObject(conventionScores.sorted { $0.key < $1.key }.map { (key: $0.key, value: .int($0.value)) })),
            "config": cfg, "config_source": .string(configSource),
            "inferred": .array(inferred.map { .string($0) }), "defaulted": .array(defaulted.map { .string($0) }),
            "notes": .array(notes.map { .string($0) }),
            "parameters": .array(
                entries.map { e in
                    .object([
                        "name": .string(e.canonical), "status": .string(e.status.rawValue),
                        "optional": .bool(e.optional),
                        "source": e.source.map { .string($0) } ?? .null, "source_shape": shape(e.sourceShape),
                        "expected_shape": shape(e.expectedShape),
                        "layout": e.layout.map { .string($0.rawValue) } ?? .null, "transform": .string(e.transform),
                        "candidates": .array(e.candidates.map { .string($0) }),
                    ])
                }),
            "unused": .array(unused.map { .object(["name": .string($0.name), "ignorable": .bool($0.ignorable)]) }),
            "tied": .array(tied.map { .array($0.map { .string($0) }) }),
            "summary": .object([
                "mapped": .int(entries.filter { $0.status == .mapped }.count), "missing": .int(missing.count),
                "shape_mismatches": .int(mismatched.count), "ambiguous": .int(ambiguous.count),
                "unused_ignorable": .int(unused.count - unexpected.count), "unused_unexpected": .int(unexpected.count),
            ]),
        ])
    }

    public var text: String {
        var out =
            "\(path)\n  model: \(model)\(selection.map { " (\($0))" } ?? ""), convention: \(convention?.rawValue ?? "none recognised")"
        out +=
            " (matches: "
            + conventionScores.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            + ")\n"
        out += "  config: \(configSource)"
        if let t = textClassifierConfig {
            out +=
                " — vocab \(t.vocabSize), maxlen \(t.maxLength), embed \(t.embedDim), heads \(t.numHeads) × key_dim \(t.keyDim), ff \(t.feedForwardDim), dense \(t.hiddenUnits), classes \(t.numClasses), eps \(t.layerNormEps)"
        }
        if let c = config {
            out +=
                " — \(c.numLayers) layers, hidden \(c.hiddenSize), heads \(c.numHeads), intermediate \(c.intermediateSize), vocab \(c.vocabSize), \(c.activation.rawValue), eps \(c.layerNormEps)"
        }
        out += "\n"
        if let configProblem { out += "  config problem: \(configProblem)\n" }
        if !inferred.isEmpty { out += "  inferred: " + inferred.joined(separator: ", ") + "\n" }
        if !defaulted.isEmpty { out += "  defaulted: " + defaulted.joined(separator: "; ") + "\n" }
        for n in notes { out += "  note: \(n)\n" }
        var rows: [[String]] = []
        for e in entries {
            let src = e.source ?? (e.candidates.isEmpty ? "-" : e.candidates.joined(separator: " | "))
            let shapeText = e.sourceShape.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "-"
            rows.append([
                e.canonical, e.status == .missing && e.optional ? "absent (optional)" : e.status.rawValue, src,
                shapeText, e.transform,
            ])
        }
        out += table(header: ["parameter", "status", "source", "shape", "transform"], rows: rows)
        for e in mismatched {
            out +=
                "  shape mismatch: \(e.canonical): expected \(e.expectedShape), \(e.source ?? "?") has \(e.sourceShape ?? [])\n"
        }
        for e in ambiguous { out += "  ambiguous: \(e.canonical): \(e.candidates.joined(separator: ", "))\n" }
        for e in missing { out += "  missing: \(e.canonical)\n" }
        for u in unused { out += "  unused\(u.ignorable ? " (ignorable)" : ""): \(u.name)\n" }
        for t in tied { out += "  tied (identical data): " + t.joined(separator: " = ") + "\n" }
        out +=
            passed
            ? "  PASS: every required parameter mapped, every tensor accounted for\n"
            : "  FAIL: \(configProblem == nil ? "" : "config unusable, ")\(missing.count) missing, \(mismatched.count) mis-shaped, \(ambiguous.count) ambiguous, \(unexpected.count) unexpected\n"
        return out
    }

    private func table(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            "  "
                + cells.enumerated().map { i, c in
                    i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count)
                }.joined(separator: "  ")
        }
        return
            ([line(header), "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
