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

/// Precisions of a packed linear layer.
enum { WK_PRECISION_F32 = 0, WK_PRECISION_BF16 = 1, WK_PRECISION_INT8 = 2 };

/// A linear layer's weights packed once into oneDNN's preferred layout for this CPU:
/// bf16 (activations rounded to bf16 per call, f32 accumulation) or int8 (weights symmetric s8 per
/// output column, activations asymmetric u8 per row, quantised per call; s32 accumulation,
/// dequantised to f32).
typedef struct wk_matmul wk_matmul;

/// Packs W, [k × n] row-major with row stride ldw (or its transpose [n × k] when `transposed`).
/// NULL with a message when the precision is not available on this CPU / build.
wk_matmul *wk_matmul_create(int precision, int64_t k, int64_t n, const float *w, int64_t ldw, int transposed,
                            char *error, size_t error_size);
/// Bytes of scratch a call with m rows needs (64-byte aligned).
size_t wk_matmul_scratch_bytes(const wk_matmul *mm, int64_t m);
/// c[m × n] = a[m × k] · W in f32 (c and a row-major, contiguous). Returns 0, or -1.
int wk_matmul_run(wk_matmul *mm, int64_t m, const float *a, float *c, void *scratch);
/// A layer whose weights are already in the precision and in a blocked layout (as a `.wkc`
/// stores them): `data`, `bytes` long, [k × n] bf16 or s8 in oneDNN's layout `layout`
/// (`BA16a64b2a`, `BA16a64b4a`, …, see BlockedLayout.swift), `col_scale` the n per-column weight
/// scales for int8. Where the layout is the one oneDNN's kernel wants on this CPU the bytes are
/// used in place (they must outlive the layer); otherwise they are reordered once into it.
wk_matmul *wk_matmul_create_packed(int precision, int64_t k, int64_t n, const char *layout, const void *data,
                                   size_t bytes, const float *col_scale, char *error, size_t error_size);
/// The blocked layout oneDNN's bf16 / int8 kernel wants for [k × n] weights on this CPU, written
/// into `layout` ("BA16a64b2a"). Returns 0, or -1 with a message (no such kernel here, no oneDNN).
int wk_matmul_preferred_layout(int precision, int64_t k, int64_t n, char *layout, size_t layout_size, char *error,
                               size_t error_size);
/// The packed weights as the kernel reads them, and their size; *borrowed is 1 when they are the
/// caller's bytes used in place (wk_matmul_create_packed), 0 when the layer holds its own copy.
const void *wk_matmul_weights(const wk_matmul *mm, size_t *bytes, int *borrowed);
/// W [k × n] (row stride ldw, or its transpose when `transposed`) rounded to bf16 (nearest even),
/// row-major into q: what a bf16 layer packs. Needs no oneDNN.
void wk_weights_bf16(const float *w, int64_t ldw, int transposed, int64_t k, int64_t n, uint16_t *q);
/// W quantised as an int8 layer packs it: symmetric per output column, scale = max|w| / 127,
/// rounded half away from zero; q row-major [k × n], scale and Σ_k q per column. Needs no oneDNN.
void wk_weights_s8(const float *w, int64_t ldw, int transposed, int64_t k, int64_t n, int8_t *q, float *scale,
                   int32_t *sum);
/// Which kernel runs, e.g. "oneDNN matmul bf16 (brg:avx512_core_bf16)".
const char *wk_matmul_kernel(const wk_matmul *mm);
void wk_matmul_destroy(wk_matmul *mm);

#endif
