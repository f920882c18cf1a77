import CGEMM

/// The arithmetic a forward pass's linear layers run in.
public enum Precision: String, Sendable, CaseIterable {
    /// float32 throughout (the reference).
    case f32
    /// Weights and activations rounded to bfloat16 for the linear layers, float32 accumulation;
    /// attention, LayerNorm and the activations stay float32. Needs AVX512_BF16 or AMX.
    case bf16
    /// Weights symmetric int8 per output channel, activations asymmetric uint8 per token
    /// (quantised on every call), int32 accumulation dequantised to float32; the rest float32,
    /// as ONNX Runtime's dynamic quantisation. Fastest with AVX-512 VNNI.
    case int8
}

/// A linear layer's weights packed once, at bind time, into the layout oneDNN's matmul primitive
/// wants on this CPU, in bf16 or int8 (float32 layers go through `GEMM.sgemm` and need no packing).
public final class PackedMatmul: @unchecked Sendable {
    /// The precision is not available here (no such kernel on this CPU, or no oneDNN 2.x).
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let precision: Precision
    public let inFeatures: Int
    public let outFeatures: Int
    private let handle: OpaquePointer

    /// Packs W, given as [in, out] row-major (`transposed: false`) or as [out, in] (`true`), with
    /// `rowStride` floats between its stored rows.
    public init(
        precision: Precision, inFeatures: Int, outFeatures: Int, weights: UnsafePointer<Float>, rowStride: Int,
        transposed: Bool
    ) throws {
        precondition(precision != .f32, "float32 layers run through GEMM.sgemm")
        var error = [CChar](repeating: 0, count: 512)
        guard
            let h = wk_matmul_create(
                precision == .bf16 ? Int32(WK_PRECISION_BF16) : Int32(WK_PRECISION_INT8), Int64(inFeatures),
                Int64(outFeatures), weights, Int64(rowStride), transposed ? 1 : 0, &error, 512)
        else {
            throw Unavailable(
                description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        handle = h
        self.precision = precision
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    deinit { wk_matmul_destroy(handle) }

    /// Which kernel runs, e.g. "oneDNN matmul bf16 (brg:avx512_core_bf16)".
    public var kernel: String { String(cString: wk_matmul_kernel(handle)) }

    /// Scratch bytes a call with `rows` rows needs.
    public func scratchBytes(rows: Int) -> Int { wk_matmul_scratch_bytes(handle, Int64(rows)) }

    /// y[rows × out] = x[rows × in] · W, in float32 in and out; `scratch` holds `scratchBytes(rows:)`.
    public func callAsFunction(
        _ x: UnsafePointer<Float>, rows: Int, into y: UnsafeMutablePointer<Float>, scratch: UnsafeMutableRawPointer
    ) {
        let status = wk_matmul_run(handle, Int64(rows), x, y, scratch)
        precondition(status == 0, "oneDNN matmul failed for \(rows)×\(inFeatures)×\(outFeatures)")
    }
}
