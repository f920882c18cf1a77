#ifndef WK_KERNELS_H
#define WK_KERNELS_H
// Element-wise and row-wise kernels of the transformer graphs, in C so the compiler vectorises
// them; each is compiled for AVX-512, AVX2+FMA and baseline x86-64 and the best one is picked at
// load time (target_clones), with no build flags. Numerics: see Sources/WeightKitCompute/Kernels.swift.
#include <stddef.h>

/// x ← 0.5·x·(1 + erf(x/√2)); erf by Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7).
void wk_gelu_erf(float *x, size_t n);
/// x ← 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
void wk_gelu_tanh(float *x, size_t n);
/// Each row ← softmax(row + mask) (mask may be NULL), the row maximum subtracted first.
void wk_softmax_rows(float *x, size_t rows, size_t cols, const float *mask);
/// Each row ← (row − mean)/sqrt(var + eps)·gamma + beta, biased variance, sums in double.
void wk_layer_norm(float *x, size_t rows, size_t cols, const float *gamma, const float *beta, float eps);

/// dst[cols × rows] = srcᵀ for a row-major src[rows × cols] (the two must not overlap).
void wk_transpose_f32(const float *src, size_t rows, size_t cols, float *dst);
/// The same for the column range of a wider matrix: dst[c * rows + r] = src[r * stride + c].
void wk_transpose_f32_strided(const float *src, size_t rows, size_t cols, size_t stride, float *dst);

#endif
