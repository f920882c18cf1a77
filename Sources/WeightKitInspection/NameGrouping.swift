import WeightKitCheckpoints

/// Collapses block numbers in tensor names so that repeated layers show as one line:
/// `encoder.layer.3.attention.self.query.weight` → `encoder.layer.#.attention.self.query.weight`,
/// `bert/encoder/layer_._3/…` → `bert/encoder/layer_._#/…`. A number is collapsed when it is a
/// whole name segment (after `.`, `/` or `_`) followed by another segment, so trailing indices
/// that distinguish a layer's own weights (`vars/0`, `vars/1`, `kernel:0`) stay.
public enum NameGrouping {
    public static func pattern(of name: String) -> String {
        let u = Array(name.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            let c = u[i]
            let isDigit = c >= 0x30 && c <= 0x39
            let prevIsSep =
                i == 0 || u[i - 1] == UInt8(ascii: ".") || u[i - 1] == UInt8(ascii: "/")
                || u[i - 1] == UInt8(ascii: "_")
            if isDigit && prevIsSep {
                var j = i
                while j < u.count, u[j] >= 0x30, u[j] <= 0x39 { j += 1 }
                if j < u.count, u[j] == UInt8(ascii: ".") || u[j] == UInt8(ascii: "/") {
                    out.append(UInt8(ascii: "#"))
                    i = j
                    continue
                }
                out.append(contentsOf: u[i..<j])
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One line of `inspect --group`: every tensor whose name has the same pattern.
public struct TensorGroup: Sendable {
    public var pattern: String
    public var count: Int
    public var dtypes: [DType]
    /// The common shape, or nil when the members differ.
    public var shape: [Int]?
    public var parameters: Int
    /// Bytes in the file.
    public var bytes: Int
    /// The members' stored encodings where they are not their dtype (GGUF `Q8_0`, …).
    public var stored: [String] = []

    public static func group(_ tensors: [TensorInfo], stored: [StoredEncoding?]? = nil) -> [TensorGroup] {
        var order: [String] = []
        var groups: [String: TensorGroup] = [:]
        for (i, t) in tensors.enumerated() {
            let p = NameGrouping.pattern(of: t.name)
            let s = stored?[i]
            var g =
                groups[p]
                ?? TensorGroup(pattern: p, count: 0, dtypes: [], shape: t.shape, parameters: 0, bytes: 0)
            if g.count == 0 { order.append(p) }
            g.count += 1
            if !g.dtypes.contains(t.dtype) { g.dtypes.append(t.dtype) }
            if let s, !g.stored.contains(s.name) { g.stored.append(s.name) }
            if g.shape != t.shape { g.shape = nil }
            g.parameters += t.elementCount
            g.bytes += s?.bytes ?? t.byteCount
            groups[p] = g
        }
        return order.map { groups[$0]! }
    }
}
