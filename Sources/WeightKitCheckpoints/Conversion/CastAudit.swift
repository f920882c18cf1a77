/// What a lossy cast did to each tensor it touched: values that overflowed to ±inf, finite
/// non-zero values that became zero, values that landed in the target's subnormal range (kept,
/// with fewer significant bits), and the largest |x| against the target's largest finite value.
/// Writers count while they re-encode (`TensorDataEmitter`), so the audit costs no second pass;
/// with `strict`, a writer that finds any overflow or flush to zero finishes counting and then
/// refuses to commit its file (`verdict`), so nothing appears at the destination.
///
/// Narrowing casts are audited: f64 → f32 / f16 / bf16, f32 → f16 / bf16, bf16 ↔ f16, and f32 →
/// Q8_0 (a GGUF block of 32 with one f16 scale: there "subnormal" counts blocks whose scale is
/// subnormal, "overflow" blocks whose scale is infinite, and "flush to zero" non-zero values
/// under half a step, which `strict` reports but does not refuse).
public final class CastAudit: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var tensor: String
        public var from: String, to: String
        public var elements = 0
        public var overflowed = 0, flushedToZero = 0, subnormal = 0
        /// The largest finite |x| of the source, and the target's largest finite value.
        public var maxAbs: Double = 0, targetMax: Double = 0

        public init(tensor: String, from: String, to: String, targetMax: Double) {
            (self.tensor, self.from, self.to, self.targetMax) = (tensor, from, to, targetMax)
        }

        /// What `--strict` refuses: overflow, or a float cast's flush to zero. (A Q8_0 value under
        /// half its block's step becomes 0 by design — the same absolute error as every other
        /// value in the block — so for Q8_0 only an infinite scale counts.)
        public var isLossy: Bool { overflowed > 0 || (to != "Q8_0" && flushedToZero > 0) }
    }

    /// A strict audit that found values a cast cannot represent.
    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var entries: [Entry]
        public var description: String {
            "\(file): not written (--strict): "
                + entries.prefix(5).map {
                    "tensor '\($0.tensor)' \($0.from) → \($0.to): \($0.overflowed) overflow to ±inf, \($0.flushedToZero) flush to zero (max |x| \(CastAudit.short($0.maxAbs)), \($0.to) max \(CastAudit.short($0.targetMax)))"
                }.joined(separator: "; ") + (entries.count > 5 ? "; and \(entries.count - 5) more tensors" : "")
        }
    }

    public let strict: Bool
    private var byName: [String: Int] = [:]
    public private(set) var entries: [Entry] = []

    public init(strict: Bool = false) { self.strict = strict }

    /// Whether converting `from` to `to` can lose range (and is audited).
    public static func isNarrowing(_ from: DType, _ to: DType) -> Bool {
        switch (from, to) {
        case (.f64, .f32), (.f64, .f16), (.f64, .bf16), (.f32, .f16), (.f32, .bf16), (.bf16, .f16), (.f16, .bf16):
            return true
        default: return false
        }
    }

    /// The largest finite value of a float dtype.
    public static func largest(_ d: DType) -> Double {
        switch d {
        case .f16: return 65504
        case .bf16: return Double(Float(bitPattern: 0x7F7F_0000))
        case .f32: return Double(Float.greatestFiniteMagnitude)
        default: return .greatestFiniteMagnitude
        }
    }

    /// Adds to the entry of `tensor` (created on first use).
    public func record(tensor: String, from: String, to: String, targetMax: Double, _ update: (inout Entry) -> Void) {
        let i: Int
        if let k = byName[tensor] {
            i = k
        } else {
            i = entries.count
            byName[tensor] = i
            entries.append(Entry(tensor: tensor, from: from, to: to, targetMax: targetMax))
        }
        update(&entries[i])
    }

    /// Counts one re-encoded piece: `count` elements of `src` (dtype `from`) and of `dst` (dtype `to`).
    public func count(
        tensor: String, _ src: UnsafeRawPointer, from: DType, _ dst: UnsafeRawPointer, to: DType, count n: Int
    ) {
        var e = (overflow: 0, flushed: 0, subnormal: 0, maxAbs: 0.0)
        switch (from, to) {
        case (.f32, .f16), (.f32, .bf16):
            // The hot path: the target's bits tell (exponent 0 with a mantissa: subnormal; all ones: inf).
            let (expMask, manMask): (UInt16, UInt16) = to == .f16 ? (0x7C00, 0x03FF) : (0x7F80, 0x007F)
            var maxAbs: Float = 0
            for i in 0..<n {
                let x = src.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                let h = dst.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                let ax = abs(x)
                if ax.isFinite { maxAbs = max(maxAbs, ax) }
                let exp = h & expMask, man = h & manMask
                if exp == expMask {
                    if man == 0 && ax.isFinite { e.overflow += 1 }
                } else if exp == 0 {
                    if man != 0 { e.subnormal += 1 } else if ax != 0 { e.flushed += 1 }
                }
            }
            e.maxAbs = Double(maxAbs)
        default:
            for i in 0..<n {
                let x = Self.value(src, i, from), y = Self.value(dst, i, to)
                let ax = abs(x)
                if ax.isFinite { e.maxAbs = max(e.maxAbs, ax) }
                if y.isInfinite && ax.isFinite { e.overflow += 1 }
                if y == 0 && ax != 0 && !ax.isNaN { e.flushed += 1 }
                if y != 0 && y.isFinite && abs(y) < Self.smallestNormal(to) { e.subnormal += 1 }
            }
        }
        record(tensor: tensor, from: from.rawValue, to: to.rawValue, targetMax: Self.largest(to)) {
            $0.elements += n
            $0.overflowed += e.overflow
            $0.flushedToZero += e.flushed
            $0.subnormal += e.subnormal
            $0.maxAbs = max($0.maxAbs, e.maxAbs)
        }
    }

    static func value(_ p: UnsafeRawPointer, _ i: Int, _ d: DType) -> Double {
        switch d {
        case .f64: return p.loadUnaligned(fromByteOffset: i * 8, as: Double.self)
        case .f32: return Double(p.loadUnaligned(fromByteOffset: i * 4, as: Float.self))
        case .f16:
            return Double(ElementDecoding.float(fromHalf: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        default:
            return Double(ElementDecoding.float(fromBFloat: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        }
    }

    static func smallestNormal(_ d: DType) -> Double {
        switch d {
        case .f16: return 0x1p-14
        case .bf16, .f32: return Double(Float.leastNormalMagnitude)
        default: return Double.leastNormalMagnitude
        }
    }

    /// The tensors that overflowed or flushed to zero.
    public var lossy: [Entry] { entries.filter(\.isLossy) }

    /// Throws `Refused` when strict and any tensor lost values; writers call it before committing.
    public func verdict(file: String) throws {
        if strict, !lossy.isEmpty { throw Refused(file: file, entries: lossy) }
    }

    /// Totals over every audited tensor.
    public var totals: Entry {
        var t = Entry(tensor: "", from: "", to: "", targetMax: 0)
        for e in entries {
            t.elements += e.elements
            t.overflowed += e.overflowed
            t.flushedToZero += e.flushedToZero
            t.subnormal += e.subnormal
            t.maxAbs = max(t.maxAbs, e.maxAbs)
        }
        return t
    }

    static func short(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        var s: String
        if a >= 1e-3 && a < 1e5 {
            // Five significant digits.
            var scale = 1.0
            var m = a
            while m < 1e4 { m *= 10; scale *= 10 }
            s = String((v * scale).rounded() / scale)
        } else {
            s = String(Float(v))
        }
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Lines for the command's output: a summary, then each tensor that lost values (at most `limit`).
    public func lines(limit: Int = 10) -> [String] {
        guard !entries.isEmpty else { return [] }
        let t = totals
        var out = [
            "cast audit: \(entries.count) tensors, \(t.elements) values: \(t.overflowed) overflow to ±inf, \(t.flushedToZero) flush to zero, \(t.subnormal) subnormal; max |x| \(Self.short(t.maxAbs))"
        ]
        let lossy = self.lossy
        for e in lossy.prefix(limit) {
            out.append(
                "  \(e.tensor) \(e.from) → \(e.to): \(e.overflowed) overflow, \(e.flushedToZero) flush to zero, \(e.subnormal) subnormal; max |x| \(Self.short(e.maxAbs)) (\(e.to) max \(Self.short(e.targetMax)))"
            )
        }
        if lossy.count > limit { out.append("  … and \(lossy.count - limit) more tensors") }
        return out
    }

    /// The per-tensor record for `--json`.
    public var json: JSONValue {
        .array(
            entries.map { e -> JSONValue in
                var o = JSONObject()
                o["tensor"] = .string(e.tensor)
                o["from"] = .string(e.from)
                o["to"] = .string(e.to)
                o["elements"] = .int(e.elements)
                o["overflow"] = .int(e.overflowed)
                o["flushed_to_zero"] = .int(e.flushedToZero)
                o["subnormal"] = .int(e.subnormal)
                o["max_abs"] = .double(e.maxAbs)
                o["target_max"] = .double(e.targetMax)
                return .object(o)
            })
    }
}
