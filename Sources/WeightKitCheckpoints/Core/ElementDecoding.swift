/// Conversions between element encodings. All unaligned-safe (`loadUnaligned`), all portable
/// (no reliance on the `Float16` type, which macOS on Intel lacks).
public enum ElementDecoding {
    // MARK: half precision

    @inline(__always)
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // Subnormal half: value = mant * 2^-24.
            let v = Float(mant) * 5.9604644775390625e-08
            return sign == 0 ? v : -v
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// Float → IEEE half, round to nearest even, overflow to infinity, NaN kept quiet.
    @inline(__always)
    public static func half(from f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let absx = x & 0x7FFF_FFFF
        if absx >= 0x7F80_0000 {  // Inf or NaN
            return sign | 0x7C00 | (absx > 0x7F80_0000 ? UInt16(0x200 | ((absx >> 13) & 0x3FF)) : 0)
        }
        if absx >= 0x4780_0000 { return sign | 0x7C00 }  // ≥ 65536: overflow
        if absx < 0x3880_0000 {  // below the smallest normal half (2^-14): subnormal or zero
            let v = Float(bitPattern: absx) * 16_777_216.0  // scale by 2^24: units of the smallest subnormal
            return sign | UInt16(v.rounded(.toNearestOrEven))
        }
        let mant = absx & 0x7F_FFFF
        var h = ((absx >> 23) - 112) << 10 | (mant >> 13)
        let rest = mant & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && (h & 1) == 1) { h += 1 }
        return sign | UInt16(h)
    }

    // MARK: bfloat16

    @inline(__always)
    public static func float(fromBFloat b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    @inline(__always)
    public static func bfloat(from f: Float) -> UInt16 {
        let x = f.bitPattern
        if (x & 0x7FFF_FFFF) > 0x7F80_0000 { return UInt16(x >> 16) | 0x40 }  // quiet NaN
        let rounded = x &+ 0x7FFF &+ ((x >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    // MARK: 8-bit floats (OCP FP8 and the FNUZ variants)

    static func fp8Table(expBits: Int, manBits: Int, bias: Int, fnuz: Bool, finiteOnly: Bool) -> [Float] {
        (0..<256).map { (v: Int) -> Float in
            let sign: Float = (v & 0x80) != 0 ? -1 : 1
            let e = (v >> manBits) & ((1 << expBits) - 1)
            let m = v & ((1 << manBits) - 1)
            if fnuz {
                if v == 0x80 { return .nan }
            } else if finiteOnly {
                if e == (1 << expBits) - 1 && m == (1 << manBits) - 1 { return .nan }
            } else if e == (1 << expBits) - 1 {
                return m == 0 ? sign * .infinity : .nan
            }
            let frac = Float(m) / Float(1 << manBits)
            if e == 0 { return sign * frac * Float(sign: .plus, exponent: 1 - bias, significand: 1) }
            return sign * (1 + frac) * Float(sign: .plus, exponent: e - bias, significand: 1)
        }
    }

    static let e4m3Table = fp8Table(expBits: 4, manBits: 3, bias: 7, fnuz: false, finiteOnly: true)
    static let e5m2Table = fp8Table(expBits: 5, manBits: 2, bias: 15, fnuz: false, finiteOnly: false)
    static let e4m3fnuzTable = fp8Table(expBits: 4, manBits: 3, bias: 8, fnuz: true, finiteOnly: true)
    static let e5m2fnuzTable = fp8Table(expBits: 5, manBits: 2, bias: 16, fnuz: true, finiteOnly: true)
    /// E8M0: a pure power of two, 0xFF is NaN.
    static let e8m0Table: [Float] = (0..<256).map {
        $0 == 255 ? .nan : Float(sign: .plus, exponent: $0 - 127, significand: 1)
    }

    // MARK: bulk

    /// Decodes `count` elements of `dtype` from `src` (any alignment) into `dst`.
    public static func decodeFloat32(
        _ src: UnsafeRawBufferPointer, dtype: DType, into dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        guard count > 0, let s = src.baseAddress else { return }
        @inline(__always) func each<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) {
            for i in 0..<count { dst[i] = f(s.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
        }
        switch dtype {
        case .f32:
            for i in 0..<count { dst[i] = Float(bitPattern: s.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)) }
        case .f64:
            for i in 0..<count {
                dst[i] = Float(Double(bitPattern: s.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        case .f16: each(UInt16.self, float(fromHalf:))
        case .bf16: each(UInt16.self, float(fromBFloat:))
        case .bool, .u8: each(UInt8.self) { Float($0) }
        case .i8: each(Int8.self) { Float($0) }
        case .i16: each(Int16.self) { Float($0) }
        case .u16: each(UInt16.self) { Float($0) }
        case .i32: each(Int32.self) { Float($0) }
        case .u32: each(UInt32.self) { Float($0) }
        case .i64: each(Int64.self) { Float($0) }
        case .u64: each(UInt64.self) { Float($0) }
        case .f8e4m3: e4m3Table.withUnsafeBufferPointer { t in each(UInt8.self) { t[Int($0)] } }
        case .f8e5m2: e5m2Table.withUnsafeBufferPointer { t in each(UInt8.self) { t[Int($0)] } }
        case .f8e4m3fnuz: e4m3fnuzTable.withUnsafeBufferPointer { t in each(UInt8.self) { t[Int($0)] } }
        case .f8e5m2fnuz: e5m2fnuzTable.withUnsafeBufferPointer { t in each(UInt8.self) { t[Int($0)] } }
        case .f8e8m0: e8m0Table.withUnsafeBufferPointer { t in each(UInt8.self) { t[Int($0)] } }
        case .f4, .f6e2m3, .f6e3m2, .c64:
            preconditionFailure("\(dtype) is not decodable as real numbers")
        }
    }

    /// Re-encodes floating-point data from one float dtype to another (F32/F16/BF16/F64 → F32/F16/BF16).
    /// `dst` must hold `count` elements of `to`.
    public static func convert(
        _ src: UnsafeRawBufferPointer, from: DType, to: DType, into dst: UnsafeMutableRawPointer, count: Int
    ) {
        if from == to {
            if let s = src.baseAddress { dst.copyMemory(from: s, byteCount: src.count) }
            return
        }
        let block = 4096
        let tmp = UnsafeMutablePointer<Float>.allocate(capacity: block)
        defer { tmp.deallocate() }
        var start = 0
        let inSize = from.byteSize!
        while start < count {
            let n = min(block, count - start)
            decodeFloat32(
                UnsafeRawBufferPointer(rebasing: src[(start * inSize)..<((start + n) * inSize)]), dtype: from,
                into: tmp, count: n)
            switch to {
            case .f32: (dst + start * 4).copyMemory(from: tmp, byteCount: n * 4)
            case .f16: for i in 0..<n { (dst + (start + i) * 2).storeBytes(of: half(from: tmp[i]), as: UInt16.self) }
            case .bf16: for i in 0..<n { (dst + (start + i) * 2).storeBytes(of: bfloat(from: tmp[i]), as: UInt16.self) }
            default: preconditionFailure("conversion target \(to) not supported")
            }
            start += n
        }
    }
}
