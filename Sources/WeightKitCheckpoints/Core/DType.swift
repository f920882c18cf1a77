/// Every element type a safetensors file can declare, in the reference implementation's
/// alignment order (the order its writer sorts by, largest first).
///
/// The raw value is the safetensors spelling, which is also the spelling WeightKit uses
/// everywhere else (the `.wkc` header, `inspect --json`).
public enum DType: String, CaseIterable, Sendable, Comparable {
    case bool = "BOOL"
    case f4 = "F4"
    case f6e2m3 = "F6_E2M3"
    case f6e3m2 = "F6_E3M2"
    case u8 = "U8"
    case i8 = "I8"
    case f8e5m2 = "F8_E5M2"
    case f8e4m3 = "F8_E4M3"
    case f8e8m0 = "F8_E8M0"
    case f8e4m3fnuz = "F8_E4M3FNUZ"
    case f8e5m2fnuz = "F8_E5M2FNUZ"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case c64 = "C64"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Size of one element in bits (sub-byte types pack several elements per byte).
    public var bitSize: Int {
        switch self {
        case .f4: return 4
        case .f6e2m3, .f6e3m2: return 6
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz: return 8
        case .i16, .u16, .f16, .bf16: return 16
        case .i32, .u32, .f32: return 32
        case .c64, .f64, .i64, .u64: return 64
        }
    }

    /// Size of one element in bytes, or nil for sub-byte types.
    public var byteSize: Int? { bitSize % 8 == 0 ? bitSize / 8 : nil }

    /// The alignment a reader needs to use the data in place.
    public var alignment: Int { max(1, (bitSize / 8)) }

    public var isFloatingPoint: Bool {
        switch self {
        case .f4, .f6e2m3, .f6e3m2, .f8e5m2, .f8e4m3, .f8e8m0, .f8e4m3fnuz, .f8e5m2fnuz,
            .f16, .bf16, .f32, .f64:
            return true
        default:
            return false
        }
    }

    /// Whether WeightKit can turn each element into one real number (stats, dtype conversion).
    /// Complex and the packed sub-byte types are listed and inspectable but not decoded.
    public var isDecodableAsReal: Bool {
        switch self {
        case .f4, .f6e2m3, .f6e3m2, .c64: return false
        default: return true
        }
    }

    private var order: Int { DType.allCases.firstIndex(of: self)! }
    public static func < (lhs: DType, rhs: DType) -> Bool { lhs.order < rhs.order }

    /// Byte count of `elementCount` elements, or nil when it overflows or does not end on a byte
    /// boundary (sub-byte types).
    public func byteCount(elements elementCount: Int) -> Int? {
        let (bits, overflow) = elementCount.multipliedReportingOverflow(by: bitSize)
        if overflow || bits % 8 != 0 { return nil }
        return bits / 8
    }
}

/// Number of elements of a shape, or nil on overflow. A rank-0 shape has one element.
@inlinable
public func elementCount(of shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, o) = n.multipliedReportingOverflow(by: d)
        if o { return nil }
        n = p
    }
    return n
}
