import CGEMM

/// Row-major single-precision matrix multiply through the kernel library (oneDNN, OpenBLAS or
/// Accelerate), loaded on first use.
public enum GEMM {
    /// No GEMM library could be loaded (the message names what was tried).
    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private static let loadResult: String? = {
        var buf = [CChar](repeating: 0, count: 512)
        if wk_gemm_load(&buf, 512) != 0 {
            return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }()

    /// Loads the library; throws when none is installed.
    public static func load() throws {
        if let e = loadResult { throw Unavailable(description: e) }
    }

    /// Which kernel library runs, e.g. "oneDNN 2.6.3 dnnl_sgemm (libdnnl.so.2)".
    public static var backend: String {
        _ = loadResult
        return String(cString: wk_gemm_backend())
    }

    public static func setThreads(_ n: Int) { wk_gemm_set_threads(Int32(n)) }

    /// C[m×n] = alpha·op(A)·op(B) + beta·C, all row-major with the given leading dimensions.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = wk_sgemm(
            transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c,
            Int64(ldc))
    }
}
