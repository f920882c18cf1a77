import WeightKitCheckpoints

/// Everything `weightkit inspect` shows, as plain data; rendering is separate (text or JSON).
public struct InspectReport: Sendable {
    /// One tensor as `inspect` shows it.
    public struct Row: Sendable {
        public var info: TensorInfo
        public var stats: TensorStatistics?
        /// Layer, role and position in the layer's weight order, where the format says them (Keras).
        public var annotation: TensorAnnotation?
        /// How the tensor is stored when not as its dtype (GGUF block quantisation).
        public var stored: StoredEncoding?
        /// The bytes it takes in the file.
        public var storedBytes: Int { stored?.bytes ?? info.byteCount }
    }
    public var path: String
    public var format: CheckpointFormat
    public var files: [String]
    public var rows: [Row]
    public var metadata: [String: String]
    public var modelConfig: JSONValue?
    /// `.wkc` only: the model section's architecture and the provenance object.
    public var architecture: String?
    public var provenance: JSONValue?
    public var statsComputed: Bool
    /// Set when a filter was applied: the tensor count before filtering.
    public var unfilteredCount: Int

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.info.elementCount } }
    public var totalBytes: Int { rows.reduce(0) { $0 + $1.storedBytes } }

    /// Tensor count and bytes per dtype, in dtype order.
    public var dtypeSummary: [(dtype: DType, tensors: Int, parameters: Int, bytes: Int)] {
        var m: [DType: (Int, Int, Int)] = [:]
        for r in rows {
            let v = m[r.info.dtype] ?? (0, 0, 0)
            m[r.info.dtype] = (v.0 + 1, v.1 + r.info.elementCount, v.2 + r.info.byteCount)
        }
        return m.keys.sorted().map { (dtype: $0, tensors: m[$0]!.0, parameters: m[$0]!.1, bytes: m[$0]!.2) }
    }

    public init(checkpoint: any Checkpoint, filter: String? = nil, stats: Bool = false) throws {
        path = checkpoint.path
        format = checkpoint.format
        files = checkpoint.files
        metadata = checkpoint.metadata
        modelConfig = checkpoint.modelConfig
        if let w = checkpoint as? WKCCheckpoint {
            architecture = w.model?.architecture
            provenance = w.provenance
        }
        unfilteredCount = checkpoint.tensors.count
        let selected =
            filter.map { f in checkpoint.tensors.filter { GlobPattern.matches(f, $0.name) } } ?? checkpoint.tensors
        var computed: [TensorStatistics?] = []
        if stats {
            let views = try selected.map { try checkpoint.view($0) }
            computed = StatisticsCalculator.compute(views)
        }
        let annotations = checkpoint.annotations
        rows = selected.enumerated().map {
            Row(
                info: $1, stats: stats ? computed[$0] : nil, annotation: annotations[$1.name],
                stored: checkpoint.storedEncoding($1))
        }
        statsComputed = stats
    }

    public var groups: [TensorGroup] { TensorGroup.group(rows.map(\.info), stored: rows.map(\.stored)) }
}

/// Shell-style globs for `--filter`: `*` any run (slashes included), `?` one character,
/// `[abc]` a set. A pattern with no wildcard matches names that contain it.
public enum GlobPattern {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern.unicodeScalars), s = Array(name.unicodeScalars)
        if !p.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) { return name.contains(pattern) }
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count, p[pi] == "[", let (ok, next) = matchSet(p, pi, s[si]) {
                if ok { pi = next; si += 1; continue }
            } else if pi < p.count, p[pi] == "?" || p[pi] == s[si], p[pi] != "*" {
                pi += 1; si += 1; continue
            }
            if pi < p.count, p[pi] == "*" { star = pi; mark = si; pi += 1; continue }
            if star >= 0 { pi = star + 1; mark += 1; si = mark; continue }
            return false
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    private static func matchSet(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < p.count, p[i] == "!" || p[i] == "^" { negate = true; i += 1 }
        var found = false
        var first = true
        while i < p.count, p[i] != "]" || first {
            first = false
            if i + 2 < p.count, p[i + 1] == "-", p[i + 2] != "]" {
                if p[i] <= c && c <= p[i + 2] { found = true }
                i += 3
            } else {
                if p[i] == c { found = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }  // no closing bracket: treat '[' literally
        return (found != negate, i + 1)
    }
}
