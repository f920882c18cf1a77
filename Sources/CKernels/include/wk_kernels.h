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
/// Each row ← (row − mean)/sqrt(var + eps)·gamma + beta: biased variance, eps inside the square
/// root, mean and variance in two passes over the (cache-resident) row, summed in 16 lanes.
void wk_layer_norm(float *x, size_t rows, size_t cols, const float *gamma, const float *beta, float eps);
/// Each row ← LayerNorm(row + bias + residual row): a linear layer's epilogue in one pass.
void wk_bias_residual_layer_norm(float *x, const float *residual, size_t rows, size_t cols,
                                 const float *bias, const float *gamma, const float *beta, float eps);
/// Adds `bias` to the first `cols` values of each row; rows are `stride` floats apart.
void wk_add_bias(float *x, size_t rows, size_t cols, size_t stride, const float *bias);
/// Each value ← exact GELU(value + bias[column]) (the intermediate layer's epilogue in one pass).
void wk_bias_gelu_erf(float *x, size_t rows, size_t cols, const float *bias);

/// dst[cols × rows] = srcᵀ for a row-major src[rows × cols] (the two must not overlap).
void wk_transpose_f32(const float *src, size_t rows, size_t cols, float *dst);
/// The same for the column range of a wider matrix: dst[c * rows + r] = src[r * stride + c].
void wk_transpose_f32_strided(const float *src, size_t rows, size_t cols, size_t stride, float *dst);

#endif
