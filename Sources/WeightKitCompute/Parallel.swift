import CGEMM
import Dispatch

/// Work split over the cores on the GEMM library's own thread team (oneDNN's OpenMP pool), so the
/// workers that would otherwise spin between GEMM calls do the attention and element-wise work
/// too: one pool, not two competing for the same cores. Without such a team (OpenBLAS,
/// Accelerate) the work is spread with Dispatch.
public enum Parallel {
    private typealias Body = (Int, Int) -> Void

    /// Runs `body(index, count)` once for each index in 0..<count, count ≤ `threads`, concurrently.
    /// A GEMM called inside runs single-threaded (it is already inside the team).
    public static func run(threads: Int, _ body: (_ index: Int, _ count: Int) -> Void) {
        guard threads > 1 else { return body(0, 1) }
        withoutActuallyEscaping(body) { escaping in
            var job: Body = escaping
            let ran = withUnsafeMutablePointer(to: &job) { p in
                wk_parallel(
                    { ctx, index, count in
                        ctx!.assumingMemoryBound(to: Body.self).pointee(Int(index), Int(count))
                    }, p, Int32(threads))
            }
            if ran == 0 {
                // No team: GEMMs inside must not start threads of their own either.
                nonisolated(unsafe) let b = escaping
                wk_gemm_set_threads(1)
                DispatchQueue.concurrentPerform(iterations: threads) { b($0, threads) }
                wk_gemm_set_threads(Int32(threads))
            }
        }
    }

    /// Runs `body(range)` over `total` items split into contiguous, nearly equal ranges, one per
    /// team member (ranges of fewer than `grain` items are not worth a thread: run inline).
    public static func forRanges(_ total: Int, threads: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let useful = max(1, min(threads, total / max(grain, 1)))
        guard useful > 1 else { return body(0..<total) }
        run(threads: useful) { index, count in
            let lo = total * index / count, hi = total * (index + 1) / count
            if lo < hi { body(lo..<hi) }
        }
    }
}
