import WeightKitCheckpoints

/// ggml's block formats, decoded to f32 (the reference `dequantize_row_*` of ggml-quants.c, as
/// gguf-py's `gguf.quants` mirrors them) and Q8_0 encoded (`quantize_row_q8_0_ref`: one f16 scale
/// `max|x| / 127` per 32 values, each value `round(x / scale)` half away from zero).
///
/// Layouts, little-endian, per block (fields in order):
/// - Q8_0 (32 values, 34 bytes): f16 d, int8 q[32]; x = d·q.
/// - Q4_0 (32, 18): f16 d, u8 qs[16]; value j is the low nibble of qs[j], value j+16 the high one; x = d·(q − 8).
/// - Q4_1 (32, 20): f16 d, f16 m, u8 qs[16]; x = d·q + m.
/// - Q5_0 (32, 22): f16 d, u32 qh, u8 qs[16]; bit j of qh is the fifth bit of value j; x = d·(q − 16).
/// - Q5_1 (32, 24): f16 d, f16 m, u32 qh, u8 qs[16]; x = d·q + m.
/// - Q4_K (256, 144): f16 d, f16 dmin, u8 scales[12] (eight 6-bit scales and mins), u8 qs[128];
///   four 64-value groups, each two 32-value halves (low nibbles, then high) with scale d·sc, min dmin·m.
/// - Q5_K (256, 176): as Q4_K, plus u8 qh[32] before qs: the fifth bits, two bit planes per group.
/// - Q6_K (256, 210): u8 ql[128], u8 qh[64], int8 scales[16], f16 d; two 128-value halves, each
///   four 32-value quarters with 4 low bits from ql and 2 high bits from qh; x = d·scale·(q − 32).
public enum GGMLQuantization {
    /// The types WeightKit decodes to f32 (the others are listed by name and refused).
    public static let decodable: Set<GGMLType> = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_k, .q5_k, .q6_k]

    /// Decodes `count` values (a whole number of blocks) of `type` from `src` into `dst`.
    public static func dequantize(
        _ src: UnsafeRawBufferPointer, type: GGMLType, count: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        let blocks = count / type.blockSize
        precondition(blocks * type.blockBytes <= src.count && count % type.blockSize == 0)
        guard let base = src.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        for b in 0..<blocks {
            let p = base + b * type.blockBytes
            let y = dst + b * type.blockSize
            switch type {
            case .q8_0: q8_0(p, y)
            case .q4_0, .q4_1: q4(p, y, offset: type == .q4_1)
            case .q5_0, .q5_1: q5(p, y, offset: type == .q5_1)
            case .q4_k: q4_k(p, y)
            case .q5_k: q5_k(p, y)
            case .q6_k: q6_k(p, y)
            default: preconditionFailure("\(type.name) is not decodable")
            }
        }
    }

    static func half(_ p: UnsafePointer<UInt8>) -> Float {
        Float(Float16(bitPattern: UInt16(p[0]) | UInt16(p[1]) << 8))
    }

    static func q8_0(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p)
        for j in 0..<32 { y[j] = d * Float(Int8(bitPattern: p[2 + j])) }
    }

    static func q4(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>, offset: Bool) {
        let d = half(p)
        let m: Float = offset ? half(p + 2) : 0
        let qs = p + (offset ? 4 : 2)
        let bias: Int32 = offset ? 0 : 8
        for j in 0..<16 {
            y[j] = Float(Int32(qs[j] & 0x0F) - bias) * d + m
            y[j + 16] = Float(Int32(qs[j] >> 4) - bias) * d + m
        }
    }

    static func q5(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>, offset: Bool) {
        let d = half(p)
        let m: Float = offset ? half(p + 2) : 0
        let h = p + (offset ? 4 : 2)
        let qh = UInt32(h[0]) | UInt32(h[1]) << 8 | UInt32(h[2]) << 16 | UInt32(h[3]) << 24
        let qs = h + 4
        let bias: Int32 = offset ? 0 : 16
        for j in 0..<16 {
            let h0 = ((qh >> UInt32(j)) << 4) & 0x10
            let h1 = (qh >> UInt32(j + 12)) & 0x10
            y[j] = Float(Int32(UInt32(qs[j] & 0x0F) | h0) - bias) * d + m
            y[j + 16] = Float(Int32(UInt32(qs[j] >> 4) | h1) - bias) * d + m
        }
    }

    /// The j-th 6-bit scale and min of a K-quant block's 12 packed bytes (`get_scale_min_k4`).
    static func scaleMin(_ j: Int, _ q: UnsafePointer<UInt8>) -> (Float, Float) {
        if j < 4 { return (Float(q[j] & 63), Float(q[j + 4] & 63)) }
        let sc = (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4)
        let mn = (q[j + 4] >> 4) | ((q[j] >> 6) << 4)
        return (Float(sc), Float(mn))
    }

    static func q4_k(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p), dmin = half(p + 2)
        let scales = p + 4
        var q = p + 16
        var out = y
        for group in 0..<4 {
            let (s1, m1) = scaleMin(2 * group, scales), (s2, m2) = scaleMin(2 * group + 1, scales)
            let d1 = d * s1, d2 = d * s2, n1 = dmin * m1, n2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float(q[l] & 0x0F) - n1 }
            for l in 0..<32 { out[32 + l] = d2 * Float(q[l] >> 4) - n2 }
            q += 32
            out += 64
        }
    }

    static func q5_k(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p), dmin = half(p + 2)
        let scales = p + 4, qh = p + 16
        var ql = p + 48
        var out = y
        var u1: UInt8 = 1, u2: UInt8 = 2
        for group in 0..<4 {
            let (s1, m1) = scaleMin(2 * group, scales), (s2, m2) = scaleMin(2 * group + 1, scales)
            let d1 = d * s1, d2 = d * s2, n1 = dmin * m1, n2 = dmin * m2
            for l in 0..<32 { out[l] = d1 * Float((ql[l] & 0x0F) + (qh[l] & u1 != 0 ? 16 : 0)) - n1 }
            for l in 0..<32 { out[32 + l] = d2 * Float((ql[l] >> 4) + (qh[l] & u2 != 0 ? 16 : 0)) - n2 }
            ql += 32
            out += 64
            u1 <<= 2
            u2 <<= 2
        }
    }

    static func q6_k(_ p: UnsafePointer<UInt8>, _ y: UnsafeMutablePointer<Float>) {
        let d = half(p + 208)
        var ql = p, qh = p + 128
        var sc = UnsafeRawPointer(p + 192).assumingMemoryBound(to: Int8.self)
        var out = y
        for _ in 0..<2 {
            for l in 0..<32 {
                let s = l / 16
                let q1 = Int32((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32
                let q2 = Int32((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32
                let q3 = Int32((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32
                let q4 = Int32((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32
                out[l] = d * Float(sc[s]) * Float(q1)
                out[l + 32] = d * Float(sc[s + 2]) * Float(q2)
                out[l + 64] = d * Float(sc[s + 4]) * Float(q3)
                out[l + 96] = d * Float(sc[s + 6]) * Float(q4)
            }
            out += 128
            ql += 64
            qh += 32
            sc += 8
        }
    }

    /// What encoding one tensor as Q8_0 lost: values that became 0 though they were not, blocks
    /// whose f16 scale overflowed or is subnormal, and the largest |x|.
    public struct Q8Loss: Sendable, Equatable {
        public var flushedToZero = 0, overflowedBlocks = 0, subnormalScales = 0
        public var maxAbs: Float = 0
    }

    /// Encodes `count` f32 values (a multiple of 32) as Q8_0 blocks into `dst`
    /// (`count / 32 × 34` bytes), as ggml's `quantize_row_q8_0_ref` and gguf-py do.
    @discardableResult
    public static func quantizeQ8_0(
        _ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutablePointer<UInt8>, loss: inout Q8Loss
    ) -> Int {
        precondition(count % 32 == 0)
        for b in 0..<(count / 32) {
            let v = x + b * 32
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(v[j])) }
            let d = amax / 127
            let id: Float = d == 0 ? 0 : 1 / d
            let stored = Float16(d)
            let out = dst + b * 34
            out[0] = UInt8(truncatingIfNeeded: stored.bitPattern)
            out[1] = UInt8(truncatingIfNeeded: stored.bitPattern >> 8)
            loss.maxAbs = max(loss.maxAbs, amax)
            if stored.isInfinite { loss.overflowedBlocks += 1 }
            if stored.isSubnormal { loss.subnormalScales += 1 }
            for j in 0..<32 {
                // roundf: half away from zero.
                let r = (v[j] * id).rounded(.toNearestOrAwayFromZero)
                let q = r.isNaN ? 0 : Int8(max(-128, min(127, r)))
                out[2 + j] = UInt8(bitPattern: q)
                if q == 0 && v[j] != 0 { loss.flushedToZero += 1 }
            }
        }
        return count / 32 * 34
    }
}
