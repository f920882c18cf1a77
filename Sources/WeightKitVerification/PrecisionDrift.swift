import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs

/// What a reduced-precision mode costs: each output of a bf16 / int8 run compared with the float32
/// run of the same graph on the same inputs (token outputs where the attention mask is 1).
public struct PrecisionDrift: Sendable {
    /// One output's drift.
    public struct Row: Sendable {
        public var name: String
        public var maxAbs: Double
        public var meanAbs: Double
        public var nmseDB: Double
        /// Cosine over the whole output.
        public var cosine: Double
        /// The lowest cosine of one batch row (one sentence's embedding, one row of logits); nil for
        /// token outputs ([batch, sequence, …]), whose cosine is over the unmasked tokens.
        public var minRowCosine: Double?
        /// Logits only: rows whose arg-max class equals float32's, of all rows.
        public var argmaxAgreement: (agree: Int, rows: Int)?
    }

    public var precision: Precision
    public var kernels: String
    /// What the reference run was: "f32", or for a file that stores packed weights, f32 from
    /// those stored values (the float32 originals are not in the file).
    public var against = "f32"
    public var rows: [Row]

    /// What the reference is for a model: float32 from its stored values when they are packed.
    public static func reference(for model: BertModel) -> String {
        model.storedLayers == 0
            ? "f32" : "f32 of the file's \(model.precision.rawValue) weights (its float32 originals are not in it)"
    }

    /// Compares `reduced` with `reference` (float32) output by output.
    public static func measure(
        precision: Precision, kernels: String, reduced: [String: GraphOutput], reference: [String: GraphOutput],
        attentionMask: [[Int]]?, against: String = "f32"
    ) -> PrecisionDrift {
        var rows: [Row] = []
        for name in reference.keys.sorted() {
            guard let a = reduced[name], let e = reference[name] else { continue }
            let c = OutputComparison.compare(
                name: name, actual: a.values, shape: a.shape, expected: e.values, expectedShape: e.shape,
                mask: attentionMask, atol: .infinity, rtol: 0)
            var row = Row(
                name: name, maxAbs: c.maxAbsError, meanAbs: c.meanAbsError, nmseDB: c.nmseDB, cosine: c.cosine,
                minRowCosine: nil, argmaxAgreement: nil)
            if a.shape.count == 2, a.shape == e.shape, a.shape[0] > 0 {
                let width = a.shape[1]
                var worst = 1.0, agree = 0
                for r in 0..<a.shape[0] {
                    let x = a.values[(r * width)..<((r + 1) * width)], y = e.values[(r * width)..<((r + 1) * width)]
                    worst = min(worst, Self.cosine(x, y))
                    if x.indices.max(by: { x[$0] < x[$1] }) == y.indices.max(by: { y[$0] < y[$1] }) { agree += 1 }
                }
                row.minRowCosine = worst
                if name == "logits" { row.argmaxAgreement = (agree, a.shape[0]) }
            }
            rows.append(row)
        }
        return PrecisionDrift(precision: precision, kernels: kernels, against: against, rows: rows)
    }

    static func cosine(_ x: ArraySlice<Float>, _ y: ArraySlice<Float>) -> Double {
        var dot = 0.0, xx = 0.0, yy = 0.0
        for (a, b) in zip(x, y) {
            dot += Double(a) * Double(b)
            xx += Double(a) * Double(a)
            yy += Double(b) * Double(b)
        }
        return xx > 0 && yy > 0 ? dot / (xx.squareRoot() * yy.squareRoot()) : (xx == yy ? 1 : 0)
    }

    public var json: JSONValue {
        .object([
            "precision": .string(precision.rawValue), "kernels": .string(kernels), "against": .string(against),
            "outputs": .array(
                rows.map { r in
                    var o: JSONObject = [
                        "name": .string(r.name), "max_abs": .double(r.maxAbs), "mean_abs": .double(r.meanAbs),
                        "nmse_db": r.nmseDB.isFinite ? .double(r.nmseDB) : .null, "cosine": .double(r.cosine),
                        "min_row_cosine": r.minRowCosine.map { .double($0) } ?? .null,
                    ]
                    if let a = r.argmaxAgreement {
                        o["argmax_agree"] = .int(a.agree)
                        o["argmax_rows"] = .int(a.rows)
                    }
                    return .object(o)
                }),
        ])
    }

    public var text: String {
        var out = "drift of --precision \(precision.rawValue) against \(against) (\(kernels)):\n"
        for r in rows {
            out +=
                "  \(r.name): max abs \(scientific(r.maxAbs)), mean abs \(scientific(r.meanAbs)), NMSE "
                + (r.nmseDB.isFinite ? "\(Int(r.nmseDB.rounded())) dB" : "-inf dB")
                + ", cosine \(Self.fixed(r.cosine))"
                + (r.minRowCosine.map { ", lowest row cosine \(Self.fixed($0))" } ?? "")
            if let a = r.argmaxAgreement { out += ", arg-max equal on \(a.agree)/\(a.rows) rows" }
            out += "\n"
        }
        return out
    }

    static func fixed(_ v: Double) -> String {
        let s = String(Int((v * 10_000_000).rounded()))
        guard v >= 0, v <= 1.0000001 else { return "\(v)" }
        let padded = String(repeating: "0", count: max(0, 8 - s.count)) + s
        return String(padded.prefix(padded.count - 7)) + "." + String(padded.suffix(7))
    }
}
