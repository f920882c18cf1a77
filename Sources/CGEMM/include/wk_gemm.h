#ifndef WK_GEMM_H
#define WK_GEMM_H
// Single-precision GEMM for WeightKit's graphs. On Linux the kernel library is bound at run time
// (dlopen) the first time a graph runs, so commands that never compute do not pay for loading it:
// oneDNN's dnnl_sgemm first (AVX-512 kernels picked from CPU features; fastest here with weights
// stored [in, out], measured in BENCHMARKS.md), OpenBLAS's cblas_sgemm as a fallback.
// On macOS, Accelerate's cblas_sgemm, linked directly.
#include <stdint.h>
#include <stddef.h>

/// Loads the GEMM library (once). Returns 0, or -1 with a message in `error`.
int wk_gemm_load(char *error, size_t error_size);

/// "oneDNN 2.6.3 dnnl_sgemm (/usr/lib/.../libdnnl.so.2)", "OpenBLAS ...", "Accelerate".
const char *wk_gemm_backend(void);

/// Sets the number of threads the kernel library uses (OpenMP for oneDNN, OpenBLAS's own pool).
void wk_gemm_set_threads(int threads);

/// Work split over a thread team: fn(ctx, index, count) runs once for each index in [0, count).
typedef void (*wk_task_fn)(void *ctx, int index, int count);

/// Runs `fn` on the GEMM library's own thread team when it has one (oneDNN's OpenMP pool, through
/// libgomp's GOMP_parallel: the workers that would otherwise spin between GEMM calls do the
/// element-wise and attention work, and no second pool competes with them for the cores).
/// Returns the team size used, or 0 when there is no team (the caller runs the work itself).
int wk_parallel(wk_task_fn fn, void *ctx, int threads);

/// Row-major C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, op = transpose when trans != 0.
/// Returns 0 on success.
int wk_sgemm(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
             const float *a, int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

#endif
