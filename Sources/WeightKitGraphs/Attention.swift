import WeightKitCompute

/// Scaled dot-product attention over every (sequence, head) pair: scores = q·kᵀ·scale + mask,
/// softmax over keys, ctx = scores·v. The pairs are independent, so they are spread over the
/// GEMM library's own team with a single-threaded GEMM each — hundreds of tiny multithreaded GEMM
/// calls spend their time forking and joining.
enum Attention {
    /// q, k, v: rows of `rowStride` floats, ctx: rows of `ctxStride`; head h at columns
    /// h·headDim ..< (h+1)·headDim of each.
    static func run(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ctx: UnsafeMutablePointer<Float>,
        batch: Int, seq: Int, heads: Int, headDim: Int, rowStride: Int, ctxStride: Int, scale: Float,
        additiveMask: [[Float]]?, threads: Int
    ) {
        let pairs = batch * heads
        let workers = max(1, min(threads, pairs))
        let (qp, kp, vp, cp) = (q, k, v, ctx)
        Parallel.forRanges(pairs, threads: workers) { range in
            let scores = FloatBuffer(count: seq * seq)
            for pair in range {
                let b = pair / heads, h = pair % heads
                let off = b * seq * rowStride + h * headDim
                let coff = b * seq * ctxStride + h * headDim
                GEMM.sgemm(
                    transB: true, m: seq, n: seq, k: headDim, alpha: scale, a: qp + off, lda: rowStride, b: kp + off,
                    ldb: rowStride,
                    c: scores.pointer, ldc: seq)
                if let additiveMask {
                    additiveMask[b].withUnsafeBufferPointer {
                        Kernels.softmaxRows(scores.pointer, rows: seq, cols: seq, mask: $0.baseAddress)
                    }
                } else {
                    Kernels.softmaxRows(scores.pointer, rows: seq, cols: seq, mask: nil)
                }
                GEMM.sgemm(
                    m: seq, n: headDim, k: seq, a: scores.pointer, lda: seq, b: vp + off, ldb: rowStride, c: cp + coff,
                    ldc: ctxStride)
            }
        }
    }
}
