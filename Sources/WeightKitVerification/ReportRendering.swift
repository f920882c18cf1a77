import WeightKitCheckpoints
import WeightKitCompute

extension VerificationReport {
    public var json: JSONValue {
        .object([
            "passed": .bool(passed), "checkpoint": .string(checkpoint), "reference": .string(bundle),
            "model": .string(model),
            "convention": convention.map { .string($0) } ?? .null,
            "tolerances": .object([
                "atol": .double(atol), "rtol": .double(rtol), "rule": .string("|a - e| <= atol + rtol * |e|"),
            ]),
            "config": .object(JSONObject(numerics.map { (key: $0.key, value: .string($0.value)) })),
            "first_divergence": firstDivergence.map { .string($0) } ?? .null,
            "hint": hint.map { .string($0) } ?? .null,
            "unproducible": .array(unproducible.map { .string($0) }),
            "unproducible_reasons": .object(
                JSONObject(
                    unproducibleReasons.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })),
            "precision": .string(precision.rawValue),
            "drift": drift?.json ?? .null,
            "outputs": .array(
                comparisons.map { c in
                    .object([
                        "name": .string(c.name), "passed": .bool(c.passed), "shape": .array(c.shape.map { .int($0) }),
                        "expected_shape": .array(c.expectedShape.map { .int($0) }), "compared": .int(c.compared),
                        "mismatched": .int(c.mismatched),
                        "mismatched_percent": .double(
                            c.compared > 0 ? 100 * Double(c.mismatched) / Double(c.compared) : 0),
                        "max_abs_error": .double(c.maxAbsError),
                        "max_abs_index": .array(c.maxAbsIndex.map { .int($0) }),
                        "max_rel_error": .double(c.maxRelError), "mean_abs_error": .double(c.meanAbsError),
                        "nmse": .double(c.nmse), "nmse_db": c.nmseDB.isFinite ? .double(c.nmseDB) : .null,
                        "cosine": .double(c.cosine),
                        "min_passing_atol": .double(c.minPassingAtol), "nan_count": .int(c.nanCount),
                        "inf_count": .int(c.infCount),
                    ])
                }),
        ])
    }

    public var text: String {
        let e = scientific
        var out =
            "\(checkpoint) against \(bundle)\n  model: \(model), convention: \(convention ?? "?"), atol \(e(atol)), rtol \(e(rtol))"
            + (precision == .f32 ? "" : ", precision \(precision.rawValue)") + "\n"
        out += "  numerics: " + numerics.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "\n"
        let header = ["output", "", "max abs", "at", "max rel", "cosine", "NMSE dB", "min atol", "mismatched"]
        var rows: [[String]] = []
        for c in comparisons {
            if !c.shapeMatches {
                rows.append([c.name, "FAIL", "shape \(c.shape) vs \(c.expectedShape)", "", "", "", "", "", ""])
                continue
            }
            rows.append([
                c.name, c.passed ? "ok" : "FAIL", e(c.maxAbsError), "\(c.maxAbsIndex)", e(c.maxRelError),
                String(format6(c.cosine)), c.nmseDB.isFinite ? String(Int(c.nmseDB.rounded())) : "-inf",
                e(c.minPassingAtol),
                "\(c.mismatched)/\(c.compared)"
                    + (c.nanCount + c.infCount > 0 ? " (\(c.nanCount) NaN, \(c.infCount) Inf)" : ""),
            ])
        }
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        for r in [header] + rows {
            out +=
                "  "
                + r.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }.joined(
                    separator: "  ") + "\n"
        }
        for u in unproducible {
            out +=
                "  cannot produce: \(u) (the bundle holds it; \(unproducibleReasons[u] ?? "the graph has no such output"))\n"
        }
        if let firstDivergence {
            out += "  first divergence: \(firstDivergence)" + (hint.map { " — \($0)" } ?? "") + "\n"
        }
        if let drift { out += drift.text.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" }
        out += passed ? "PASS\n" : "FAIL\n"
        return out
    }

    private func format6(_ v: Double) -> String {
        let s = (v * 1_000_000).rounded() / 1_000_000
        return "\(s)"
    }
}

/// "1.23e-5": three significant digits, as the verify and drift reports print errors.
func scientific(_ v: Double) -> String {
    if v == 0 { return "0" }
    if !v.isFinite { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    var exp = 0
    var m = abs(v)
    while m >= 10 { m /= 10; exp += 1 }
    while m < 1 { m *= 10; exp -= 1 }
    let mant = (m * 100).rounded() / 100
    return (v < 0 ? "-" : "") + "\(mant)e\(exp)"
}
