import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element-wise and row-wise operations of the transformer graphs, on contiguous float32 rows.
/// Numerics follow the source frameworks: LayerNorm with the biased variance and eps inside the
/// square root; GELU exact (0.5·x·(1+erf(x/√2)), erf to 1.5e-7) or the tanh approximation;
/// softmax with the row maximum subtracted. The hot loops are C (Sources/CKernels), vectorised
/// for the CPU at hand.
public enum Kernels {
    /// y = (x − mean) / sqrt(var + eps) · gamma + beta over each row of `cols`, in place.
    public static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
    ) {
        wk_layer_norm(x, rows, cols, gamma, beta, eps)
    }

    /// dst[cols × rows] = srcᵀ for a row-major src[rows × cols] (not overlapping): 64 × 64 tiles,
    /// 4 × 4 blocks transposed in registers.
    public static func transpose(
        _ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        wk_transpose_f32(src, rows, cols, dst)
    }

    /// dst[cols × rows] = the transpose of columns [0, cols) of a row-major matrix whose rows are
    /// `sourceRowStride` floats apart (a column block of a wider matrix).
    public static func transpose(
        _ src: UnsafePointer<Float>, rows: Int, cols: Int, sourceRowStride: Int,
        into dst: UnsafeMutablePointer<Float>
    ) {
        precondition(sourceRowStride >= cols, "row stride \(sourceRowStride) < \(cols) columns")
        wk_transpose_f32_strided(src, rows, cols, sourceRowStride, dst)
    }

    /// Adds a bias to each row (the first `cols` values of rows `stride` floats apart).
    public static func addBias(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int? = nil, bias: UnsafePointer<Float>
    ) {
        wk_add_bias(x, rows, cols, stride ?? cols, bias)
    }

    /// x ← LayerNorm(x + bias + residual) row by row: a linear layer's epilogue in one pass.
    public static func biasResidualLayerNorm(
        _ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, rows: Int, cols: Int,
        bias: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float
    ) {
        wk_bias_residual_layer_norm(x, residual, rows, cols, bias, gamma, beta, eps)
    }

    /// x ← activation(x + bias) row by row (exact GELU fused in one pass; others bias, then activation).
    public static func biasActivate(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>, _ kind: Activation
    ) {
        if kind == .geluExact { return wk_bias_gelu_erf(x, rows, cols, bias) }
        wk_add_bias(x, rows, cols, cols, bias)
        activate(x, count: rows * cols, kind)
    }

    /// x += y, element-wise.
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// An element-wise activation, named as Hugging Face configs name it.
    public enum Activation: String, Sendable {
        /// 0.5·x·(1 + erf(x/√2)): Hugging Face "gelu", PyTorch nn.GELU().
        case geluExact = "gelu"
        /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): "gelu_new", "gelu_pytorch_tanh", keras-hub.
        case geluTanh = "gelu_tanh"
        case relu
        case tanh
    }

    public static func activate(_ x: UnsafeMutablePointer<Float>, count: Int, _ kind: Activation) {
        // On the calling thread; graphs split rows over the GEMM library's own team (Parallel).
        switch kind {
        case .geluExact: wk_gelu_erf(x, count)
        case .geluTanh: wk_gelu_tanh(x, count)
        case .relu:
            for i in 0..<count where x[i] < 0 { x[i] = 0 }
        case .tanh:
            for i in 0..<count { x[i] = tanhf(x[i]) }
        }
    }

    /// Softmax over each row, in place, after adding `mask` (one additive value per column; nil
    /// for none).
    public static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, mask: UnsafePointer<Float>?)
    {
        wk_softmax_rows(x, rows, cols, mask)
    }

    /// out[r] = table[ids[r]] for each of `rows` ids (row length `cols`). Ids are validated by the caller.
    public static func gather(
        _ table: UnsafePointer<Float>, cols: Int, ids: [Int], into out: UnsafeMutablePointer<Float>
    ) {
        for (r, id) in ids.enumerated() { (out + r * cols).update(from: table + id * cols, count: cols) }
    }

    /// Mean of the rows whose mask is 1 (sentence-transformers pooling: sum(x·m) / max(sum(m), 1e-9)).
    public static func maskedMean(
        _ x: UnsafePointer<Float>, rows: Int, cols: Int, mask: [Float], into out: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<cols { out[c] = 0 }
        var n: Float = 0
        for r in 0..<rows where mask[r] != 0 {
            n += mask[r]
            for c in 0..<cols { out[c] += x[r * cols + c] * mask[r] }
        }
        let inv = 1 / max(n, 1e-9)
        for c in 0..<cols { out[c] *= inv }
    }

    /// x / max(‖x‖₂, 1e-12), as torch.nn.functional.normalize.
    public static func l2Normalize(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var s: Float = 0
        for i in 0..<count { s += x[i] * x[i] }
        let inv = 1 / max(s.squareRoot(), 1e-12)
        for i in 0..<count { x[i] *= inv }
    }
}
