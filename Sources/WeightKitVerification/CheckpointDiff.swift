import WeightKitCheckpoints
import WeightKitCompute
import WeightKitGraphs
import WeightKitMapping

/// Tensor-by-tensor comparison of two checkpoints — by name, or, when they come from different
/// conventions or formats, after mapping both onto the same graph (values compared in the
/// canonical orientation, so a TF [in, out] kernel matches its PyTorch [out, in] twin).
public struct CheckpointDiff: Sendable {
    /// How one tensor of A compares with B.
    public enum Status: String, Sendable {
        case equal, differs, onlyInA = "only_in_a", onlyInB = "only_in_b", shapeMismatch = "shape_mismatch"
    }
    /// One tensor (or mapped parameter) compared: its sources on each side and the difference.
    public struct Row: Sendable {
        public var name: String
        public var status: Status
        public var maxAbsDiff: Double?
        public var sourceA: String?
        public var sourceB: String?
    }
    public var a: String
    public var b: String
    public var mode: String
    public var rows: [Row]
    public var identical: Bool { rows.allSatisfy { $0.status == .equal } }

    /// A diff that cannot be made (a checkpoint that does not map onto the graph).
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notMapped(checkpoint: String, graph: GraphKind)
        public var description: String {
            switch self {
            case let .notMapped(c, g): return "\(c) does not map onto the \(g.rawValue) graph"
            }
        }
    }

    /// By tensor name.
    public static func byName(_ a: any Checkpoint, _ b: any Checkpoint) throws -> CheckpointDiff {
        var rows: [Row] = []
        let namesA = Set(a.tensors.map(\.name))
        for t in a.tensors {
            guard let u = b.info(named: t.name) else {
                rows.append(Row(name: t.name, status: .onlyInA, sourceA: t.name)); continue
            }
            rows.append(
                try compare(t.name, try a.view(t), layoutA: .outIn, try b.view(u), layoutB: .outIn, linear: false))
        }
        for t in b.tensors where !namesA.contains(t.name) {
            rows.append(Row(name: t.name, status: .onlyInB, sourceB: t.name))
        }
        return CheckpointDiff(a: a.path, b: b.path, mode: "by name", rows: rows)
    }

    /// After mapping both onto BERT.
    public static func asBert(_ a: any Checkpoint, _ b: any Checkpoint) throws -> CheckpointDiff {
        try mapped(a, b, onto: .bert)
    }

    /// After mapping both onto a graph of the BERT family.
    public static func mapped(_ a: any Checkpoint, _ b: any Checkpoint, onto kind: GraphKind) throws -> CheckpointDiff {
        let ra = try Graphs.mapping(for: kind).map(a, nil), rb = try Graphs.mapping(for: kind).map(b, nil)
        guard ra.convention != nil, rb.convention != nil else {
            throw Failure.notMapped(checkpoint: ra.convention == nil ? a.path : b.path, graph: kind)
        }
        var rows: [Row] = []
        for ea in ra.entries {
            let eb = rb.entries.first { $0.canonical == ea.canonical }
            switch (ea.status == .mapped ? ea.source : nil, eb?.status == .mapped ? eb?.source : nil) {
            case (nil, nil): continue
            case (let s?, nil): rows.append(Row(name: ea.canonical, status: .onlyInA, sourceA: s))
            case (nil, let s?): rows.append(Row(name: ea.canonical, status: .onlyInB, sourceB: s))
            case (let sa?, let sb?):
                var row = try compare(
                    ea.canonical, try a.tensor(named: sa), layoutA: ea.layout ?? .outIn, try b.tensor(named: sb),
                    layoutB: eb?.layout ?? .outIn, linear: ea.layout != nil)
                row.sourceA = sa
                row.sourceB = sb
                rows.append(row)
            }
        }
        return CheckpointDiff(
            a: a.path, b: b.path, mode: "mapped onto bert (\(ra.convention!.rawValue) vs \(rb.convention!.rawValue))",
            rows: rows)
    }

    static func compare(
        _ name: String, _ va: TensorView, layoutA: WeightLayout, _ vb: TensorView, layoutB: WeightLayout, linear: Bool
    ) throws -> Row {
        guard va.elementCount == vb.elementCount else {
            return Row(name: name, status: .shapeMismatch, sourceA: va.name, sourceB: vb.name)
        }
        if !linear, va.shape != vb.shape,
            !(ParameterBinder.isContiguousReshape(va.shape, to: vb.shape)
                || ParameterBinder.isContiguousReshape(vb.shape, to: va.shape))
        {
            return Row(name: name, status: .shapeMismatch, sourceA: va.name, sourceB: vb.name)
        }
        if !linear, va.dtype == vb.dtype, va.bytes.count == vb.bytes.count, va.bytes.elementsEqual(vb.bytes) {
            return Row(name: name, status: .equal, maxAbsDiff: 0, sourceA: va.name, sourceB: vb.name)
        }
        guard va.dtype.isDecodableAsReal, vb.dtype.isDecodableAsReal else {
            return Row(name: name, status: .differs, sourceA: va.name, sourceB: vb.name)
        }
        var x = try va.float32Array(), y = try vb.float32Array()
        if linear && layoutA != layoutB {
            // Bring B to A's orientation: B is [r, c] as stored (2-D, or a 3-D Keras kernel read as 2-D).
            let rows = layoutB == .inOut ? vb.elementCount / (vb.shape.last ?? 1) : vb.shape[0]
            let cols = vb.elementCount / rows
            var t = [Float](repeating: 0, count: y.count)
            y.withUnsafeBufferPointer { src in
                t.withUnsafeMutableBufferPointer {
                    Kernels.transpose(src.baseAddress!, rows: rows, cols: cols, into: $0.baseAddress!)
                }
            }
            y = t
        }
        var worst = 0.0
        for i in 0..<x.count { worst = max(worst, Double(abs(x[i] - y[i]))) }
        x.removeAll()
        return Row(
            name: name, status: worst == 0 ? .equal : .differs, maxAbsDiff: worst, sourceA: va.name, sourceB: vb.name)
    }

    public var json: JSONValue {
        .object([
            "a": .string(a), "b": .string(b), "mode": .string(mode), "identical": .bool(identical),
            "tensors": .array(
                rows.map { r in
                    .object([
                        "name": .string(r.name), "status": .string(r.status.rawValue),
                        "max_abs_diff": r.maxAbsDiff.map { .double($0) } ?? .null,
                        "a": r.sourceA.map { .string($0) } ?? .null, "b": r.sourceB.map { .string($0) } ?? .null,
                    ])
                }),
        ])
    }

    public var text: String {
        var out = "\(a)\n\(b)\n  compared \(mode)\n"
        let width = rows.map(\.name.count).max() ?? 0
        for r in rows {
            out += "  " + r.name + String(repeating: " ", count: width - r.name.count) + "  " + r.status.rawValue
            if let d = r.maxAbsDiff, r.status == .differs { out += "  max abs diff \(d)" }
            out += "\n"
        }
        let counts = Dictionary(grouping: rows, by: \.status).mapValues(\.count)
        out +=
            "  "
            + [Status.equal, .differs, .onlyInA, .onlyInB, .shapeMismatch].compactMap { s in
                counts[s].map { "\($0) \(s.rawValue)" }
            }.joined(separator: ", ") + "\n"
        out += identical ? "IDENTICAL\n" : "DIFFERENT\n"
        return out
    }
}
