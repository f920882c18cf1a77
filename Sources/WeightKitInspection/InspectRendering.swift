import WeightKitCheckpoints

extension InspectReport {
    /// The `--json` document (schema: Schemas/inspect.schema.json).
    public func json(grouped: Bool) -> JSONValue {
        var root: JSONObject = [
            "path": .string(path),
            "format": .string(format.rawValue),
            "files": .array(files.map { .string($0) }),
            "tensor_count": .int(rows.count),
            "total_parameters": .int(totalParameters),
            "total_bytes": .int(totalBytes),
            "dtypes": .object(
                JSONObject(
                    dtypeSummary.map {
                        (
                            key: $0.dtype.rawValue,
                            value: .object([
                                "tensors": .int($0.tensors), "parameters": .int($0.parameters), "bytes": .int($0.bytes),
                            ])
                        )
                    })),
            "metadata": .stringMap(metadata),
            "model_config": modelConfig ?? .null,
        ]
        if unfilteredCount != rows.count { root["unfiltered_tensor_count"] = .int(unfilteredCount) }
        if format == .wkc {
            root["architecture"] = architecture.map { JSONValue.string($0) } ?? .null
            root["provenance"] = provenance ?? .null
        }
        root["tensors"] = .array(
            rows.map { r in
                var t: JSONObject = [
                    "name": .string(r.info.name),
                    "dtype": .string(r.info.dtype.rawValue),
                    "shape": .array(r.info.shape.map { .int($0) }),
                    "parameters": .int(r.info.elementCount),
                    "bytes": .int(r.storedBytes),
                    "file": .string(files[r.info.fileIndex]),
                    "offset": .int(r.info.byteOffset),
                ]
                if !r.info.aliases.isEmpty { t["aliases"] = .array(r.info.aliases.map { .string($0) }) }
                if let s = r.stored { t["stored_as"] = .string(s.name) }
                if let a = r.annotation {
                    t["layer"] = .string(a.layer)
                    t["role"] = a.role.map { JSONValue.string($0) } ?? .null
                    t["position"] = a.position.map { JSONValue.int($0) } ?? .null
                }
                if statsComputed {
                    t["stats"] =
                        r.stats.map { s in
                            .object([
                                "min": .double(s.min), "max": .double(s.max), "mean": .double(s.mean),
                                "std": .double(s.std),
                                "nan_count": .int(s.nanCount), "inf_count": .int(s.infCount),
                            ])
                        } ?? .null
                }
                return .object(t)
            })
        if grouped {
            root["groups"] = .array(
                groups.map { g -> JSONValue in
                    let shape: JSONValue = g.shape.map { s in JSONValue.array(s.map { JSONValue.int($0) }) } ?? .null
                    let dtypes: [JSONValue] = g.dtypes.map { JSONValue.string($0.rawValue) }
                    let o: JSONObject = [
                        "pattern": .string(g.pattern), "count": .int(g.count), "dtypes": .array(dtypes),
                        "shape": shape, "parameters": .int(g.parameters), "bytes": .int(g.bytes),
                    ]
                    return .object(o)
                })
        }
        return .object(root)
    }

    /// The human-readable table and summary.
    public func text(grouped: Bool) -> String {
        var out = "\(path)\n  format: \(format.rawValue)"
        if files.count > 1 { out += " (\(files.count) shards)" }
        out += "\n"
        if let architecture { out += "  model: \(architecture)\n" }
        var lines: [[String]] = []
        var header: [String]
        if grouped {
            header = ["tensor (grouped)", "count", "dtype", "shape", "parameters", "bytes"]
            for g in groups {
                lines.append([
                    g.pattern, String(g.count),
                    (g.stored.isEmpty ? "" : g.stored.joined(separator: ",") + "→")
                        + g.dtypes.map(\.rawValue).joined(separator: ","),
                    g.shape.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "(varies)",
                    Formatting.grouped(g.parameters), Formatting.bytes(g.bytes),
                ])
            }
        } else {
            header = ["tensor", "dtype", "shape", "parameters", "bytes"]
            let annotated = rows.contains { $0.annotation != nil }
            if annotated { header += ["layer", "role", "#"] }
            if statsComputed { header += ["min", "max", "mean", "std", "nan", "inf"] }
            for r in rows {
                var l = [
                    r.info.name, r.stored.map { "\($0.name)→\(r.info.dtype.rawValue)" } ?? r.info.dtype.rawValue,
                    r.info.shapeDescription, Formatting.grouped(r.info.elementCount), Formatting.bytes(r.storedBytes),
                ]
                if annotated {
                    l += [
                        r.annotation?.layer ?? "", r.annotation?.role ?? "-",
                        r.annotation?.position.map(String.init) ?? "-",
                    ]
                }
                if statsComputed {
                    if let s = r.stats {
                        l += [
                            Formatting.number(s.min), Formatting.number(s.max), Formatting.number(s.mean),
                            Formatting.number(s.std), String(s.nanCount), String(s.infCount),
                        ]
                    } else {
                        l += ["-", "-", "-", "-", "-", "-"]
                    }
                }
                lines.append(l)
            }
        }
        let rightAligned: Set<String> = [
            "count", "parameters", "bytes", "#", "min", "max", "mean", "std", "nan", "inf",
        ]
        out += Formatting.table(
            header: header, rows: lines, rightAligned: Set(header.indices.filter { rightAligned.contains(header[$0]) }))
        out += "\n"
        var summary = "  \(rows.count) tensors"
        if unfilteredCount != rows.count { summary += " (of \(unfilteredCount), filtered)" }
        summary += ", \(Formatting.grouped(totalParameters)) parameters, \(Formatting.bytes(totalBytes))"
        out += summary + "\n"
        out +=
            "  dtypes: "
            + dtypeSummary.map { "\($0.dtype.rawValue) ×\($0.tensors) (\(Formatting.bytes($0.bytes)))" }.joined(
                separator: ", ") + "\n"
        var stored: [String: (Int, Int)] = [:]
        for r in rows { if let s = r.stored { stored[s.name, default: (0, 0)].0 += 1; stored[s.name]!.1 += s.bytes } }
        if !stored.isEmpty {
            out +=
                "  stored as: "
                + stored.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value.0) (\(Formatting.bytes($0.value.1)))" }
                .joined(separator: ", ") + " — decoded to the dtype shown when read\n"
        }
        if statsComputed {
            let nan = rows.reduce(0) { $0 + ($1.stats?.nanCount ?? 0) },
                inf = rows.reduce(0) { $0 + ($1.stats?.infCount ?? 0) }
            out += "  non-finite values: \(nan) NaN, \(inf) Inf\n"
        }
        if !metadata.isEmpty {
            out +=
                "  metadata: "
                + metadata.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                + "\n"
        }
        if let c = modelConfig?.objectValue {
            let keys = [
                "model_type", "architectures", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size",
            ]
            let shown = keys.compactMap { k in c[k].map { "\(k)=\($0.serialized())" } }
            out +=
                "  model config: \(c.count) keys" + (shown.isEmpty ? "" : " (" + shown.joined(separator: ", ") + ")")
                + "\n"
        }
        if let p = provenance?.objectValue {
            let src = p["source_name"]?.stringValue ?? "?"
            let fmt = p["source_format"]?.stringValue ?? "?"
            let sha =
                p["source_files"]?.arrayValue?.first?["sha256"]?.stringValue.map { String($0.prefix(16)) + "…" } ?? "?"
            out +=
                "  provenance: from \(src) (\(fmt), sha256 \(sha)) by \(p["tool"]?.stringValue ?? "?") at \(p["created"]?.stringValue ?? "?")\n"
        }
        return out
    }
}

/// Number and table formatting for the text reports.
public enum Formatting {
    public static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(n) / 1024
        var u = 0
        while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        return fixed(v, digits: v < 10 ? 2 : 1) + " " + units[u]
    }

    /// A number with about 5 significant digits.
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e-3 && a < 1e5 {
            let digits = max(0, 4 - Int((a).log10Floor))
            return fixed(v, digits: min(digits, 7))
        }
        let e = Int(a.log10Floor)
        let m = v / pow10(e)
        return fixed(m, digits: 3) + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }

    public static func fixed(_ v: Double, digits: Int) -> String {
        let scale = pow10(digits)
        let r = (abs(v) * scale).rounded()
        let whole = Int(r / scale)
        let frac = Int(r - Double(whole) * scale)
        var s = String(whole)
        if digits > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return (v < 0 && r != 0 ? "-" : "") + s
    }

    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e < 0 ? 1 / r : r
    }

    public static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            "  "
                + cells.enumerated().map { i, c in
                    let pad = String(repeating: " ", count: widths[i] - c.count)
                    return rightAligned.contains(i) ? pad + c : (i == cells.count - 1 ? c : c + pad)
                }.joined(separator: "  ")
        }
        var out = line(header) + "\n"
        out += "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in rows { out += line(r) + "\n" }
        return out
    }
}

extension Double {
    fileprivate var log10Floor: Double {
        var e = 0.0
        var a = self
        while a >= 10 { a /= 10; e += 1 }
        while a < 1 { a *= 10; e -= 1 }
        return e
    }
}
