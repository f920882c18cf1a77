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
        public init(description: String) { self.description = description }
    }

    public let precision: Precision
    public let inFeatures: Int
    public let outFeatures: Int
    private let handle: OpaquePointer
    /// Whatever owns stored weights used in place (a mapped file), kept alive with the layer.
    private let storage: AnyObject?

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
                Self.code(precision), Int64(inFeatures),
                Int64(outFeatures), weights, Int64(rowStride), transposed ? 1 : 0, &error, 512)
        else {
            throw Unavailable(description: Self.message(error))
        }
        handle = h
        storage = nil
        self.precision = precision
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// A layer from weights already in the precision and in a blocked layout (a `.wkc`'s packed
    /// tensor): [in, out] in `layout`, `scales` the per-output-column int8 scales. Used in place
    /// when the layout is the kernel's (then `storage`, which owns the bytes, is kept alive),
    /// reordered once otherwise; `kernel` says which.
    public init(
        precision: Precision, inFeatures: Int, outFeatures: Int, layout: String, packed: UnsafeRawBufferPointer,
        scales: UnsafeBufferPointer<Float>?, storage: AnyObject?
    ) throws {
        precondition(precision != .f32, "float32 layers run through GEMM.sgemm")
        precondition(precision == .bf16 || scales?.count == outFeatures, "int8 layers need one scale per column")
        var error = [CChar](repeating: 0, count: 512)
        guard
            let h = wk_matmul_create_packed(
                Self.code(precision), Int64(inFeatures), Int64(outFeatures), layout, packed.baseAddress, packed.count,
                scales?.baseAddress, &error, 512)
        else { throw Unavailable(description: Self.message(error)) }
        handle = h
        self.storage = storage
        self.precision = precision
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// The blocked layout oneDNN's kernel for this precision wants for [in, out] weights here
    /// ("BA16a64b2a"); throws where there is no such kernel.
    public static func preferredLayout(precision: Precision, inFeatures: Int, outFeatures: Int) throws -> String {
        var error = [CChar](repeating: 0, count: 512), tag = [CChar](repeating: 0, count: 64)
        guard
            wk_matmul_preferred_layout(code(precision), Int64(inFeatures), Int64(outFeatures), &tag, 64, &error, 512)
                == 0
        else { throw Unavailable(description: message(error)) }
        return message(tag)
    }

    /// W [in, out] (row-major, contiguous) as a bf16 layer rounds it (nearest even), row-major.
    public static func bf16Weights(_ w: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) -> [UInt16] {
        [UInt16](unsafeUninitializedCapacity: inFeatures * outFeatures) { q, n in
            wk_weights_bf16(w, Int64(outFeatures), 0, Int64(inFeatures), Int64(outFeatures), q.baseAddress)
            n = inFeatures * outFeatures
        }
    }

    /// W [in, out] as an int8 layer quantises it: symmetric per output column (scale = max|w| / 127,
    /// half away from zero); the values row-major and the scales.
    public static func int8Weights(_ w: UnsafePointer<Float>, inFeatures: Int, outFeatures: Int) -> (
        values: [Int8], scales: [Float]
    ) {
        var scales = [Float](repeating: 0, count: outFeatures), sums = [Int32](repeating: 0, count: outFeatures)
        let values = [Int8](unsafeUninitializedCapacity: inFeatures * outFeatures) { q, n in
            wk_weights_s8(
                w, Int64(outFeatures), 0, Int64(inFeatures), Int64(outFeatures), q.baseAddress, &scales, &sums)
            n = inFeatures * outFeatures
        }
        return (values, scales)
    }

    /// The packed weights as the kernel reads them (tests compare them with WeightKit's own packing).
    public var packedWeights: UnsafeRawBufferPointer {
        var n = 0, borrowed: Int32 = 0
        let p = wk_matmul_weights(handle, &n, &borrowed)
        return UnsafeRawBufferPointer(start: p, count: n)
    }

    /// Bytes of weights this layer holds in memory of its own (0 when it reads stored bytes in place).
    public var ownedWeightBytes: Int {
        var n = 0, borrowed: Int32 = 0
        _ = wk_matmul_weights(handle, &n, &borrowed)
        return borrowed != 0 ? 0 : n
    }

    private static func code(_ p: Precision) -> Int32 {
        p == .bf16 ? Int32(WK_PRECISION_BF16) : Int32(WK_PRECISION_INT8)
    }

    private static func message(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
