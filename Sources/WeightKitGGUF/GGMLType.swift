import WeightKitCheckpoints

/// ggml's tensor types (`enum ggml_type`), with their block sizes as gguf-py 0.19.0's
/// `GGML_QUANT_SIZES` gives them (elements per block, bytes per block). F32, F16, BF16 and the
/// integer types are plain arrays WeightKit views directly; the block-quantised ones are listed
/// by name and size.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30
    case tq1_0 = 34, tq2_0 = 35, mxfp4 = 39, nvfp4 = 40, q1_0 = 41

    /// (elements per block, bytes per block).
    var block: (Int, Int) {
        switch self {
        case .f32, .i32: return (1, 4)
        case .f16, .bf16, .i16: return (1, 2)
        case .i8: return (1, 1)
        case .i64, .f64: return (1, 8)
        case .q4_0, .iq4_nl: return (32, 18)
        case .q4_1: return (32, 20)
        case .q5_0: return (32, 22)
        case .q5_1: return (32, 24)
        case .q8_0: return (32, 34)
        case .q8_1: return (32, 40)
        case .q2_k: return (256, 84)
        case .q3_k, .iq3_s: return (256, 110)
        case .q4_k: return (256, 144)
        case .q5_k: return (256, 176)
        case .q6_k: return (256, 210)
        case .q8_k: return (256, 292)
        case .iq2_xxs, .tq2_0: return (256, 66)
        case .iq2_xs: return (256, 74)
        case .iq3_xxs: return (256, 98)
        case .iq1_s: return (256, 50)
        case .iq2_s: return (256, 82)
        case .iq4_xs: return (256, 136)
        case .iq1_m: return (256, 56)
        case .tq1_0: return (256, 54)
        case .mxfp4: return (32, 17)
        case .nvfp4: return (64, 36)
        case .q1_0: return (128, 18)
        }
    }
    public var blockSize: Int { block.0 }
    public var blockBytes: Int { block.1 }

    /// gguf-py's name (`F32`, `Q8_0`, `Q4_K`, …).
    public var name: String { String(describing: self).uppercased() }

    /// The plain element type WeightKit views in place, nil for block-quantised types.
    public var dtype: DType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .f64: return .f64
        case .i8: return .i8
        case .i16: return .i16
        case .i32: return .i32
        case .i64: return .i64
        default: return nil
        }
    }
}
