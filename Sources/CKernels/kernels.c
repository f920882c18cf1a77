#include "wk_kernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
/* ifunc resolvers run before a sanitizer's runtime is up and crash under it: no clones there. */
#define WK_NO_CLONES 1
#endif
#endif
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__) && !defined(WK_NO_CLONES)
#define WK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WK_CLONES
#endif

// e^x for x in [-87.3, 88.7]; Cephes' expf polynomial, branch-free so loops vectorise.
static inline float wk_exp(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float m = x * 1.44269504088896341f + 12582912.0f;  // round to nearest via the FP adder
    float n = m - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float er = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &m, 4);
    int32_t e = ((bits - 0x4B400000) + 127) << 23;
    float scale;
    memcpy(&scale, &e, 4);
    return er * scale;
}

static inline float wk_erf(float x) {
    float a = fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
    float y = 1.0f - poly * wk_exp(-a * a);
    return x < 0 ? -y : y;
}

WK_CLONES void wk_gelu_erf(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        x[i] = 0.5f * v * (1.0f + wk_erf(v * 0.70710678118654752f));
    }
}

WK_CLONES void wk_gelu_tanh(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        float u = 0.79788456080286536f * (v + 0.044715f * v * v * v);
        u = u < -20.0f ? -20.0f : (u > 20.0f ? 20.0f : u);
        float e = wk_exp(2.0f * u);
        x[i] = 0.5f * v * (1.0f + (1.0f - 2.0f / (e + 1.0f)));
    }
}

// Row reductions in 16 independent lanes (one AVX-512 register, two AVX2 ones), so the compiler
// vectorises them without reassociating a single running sum; inlined into each clone.
#define WK_LANES 16
static inline float wk_row_max(const float *x, size_t n) {
    float m[WK_LANES];
    for (int l = 0; l < WK_LANES; l++) m[l] = -INFINITY;
    size_t c = 0;
    for (; c + WK_LANES <= n; c += WK_LANES)
        for (int l = 0; l < WK_LANES; l++) m[l] = x[c + l] > m[l] ? x[c + l] : m[l];
    float r = -INFINITY;
    for (int l = 0; l < WK_LANES; l++) r = m[l] > r ? m[l] : r;
    for (; c < n; c++) r = x[c] > r ? x[c] : r;
    return r;
}

static inline float wk_row_sum(const float *x, size_t n) {
    float s[WK_LANES] = {0};
    size_t c = 0;
    for (; c + WK_LANES <= n; c += WK_LANES)
        for (int l = 0; l < WK_LANES; l++) s[l] += x[c + l];
    float r = 0.0f;
    for (; c < n; c++) r += x[c];
    for (int l = 0; l < WK_LANES; l++) r += s[l];
    return r;
}

// Σ (x − m)², in lanes.
static inline float wk_row_sq_dev(const float *x, size_t n, float m) {
    float s[WK_LANES] = {0};
    size_t c = 0;
    for (; c + WK_LANES <= n; c += WK_LANES)
        for (int l = 0; l < WK_LANES; l++) { float d = x[c + l] - m; s[l] += d * d; }
    float r = 0.0f;
    for (; c < n; c++) { float d = x[c] - m; r += d * d; }
    for (int l = 0; l < WK_LANES; l++) r += s[l];
    return r;
}

WK_CLONES void wk_softmax_rows(float *x, size_t rows, size_t cols, const float *mask) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        if (mask) for (size_t c = 0; c < cols; c++) row[c] += mask[c];
        float mx = wk_row_max(row, cols);
        for (size_t c = 0; c < cols; c++) row[c] = wk_exp(row[c] - mx);
        float inv = 1.0f / wk_row_sum(row, cols);
        for (size_t c = 0; c < cols; c++) row[c] *= inv;
    }
}

static inline void wk_layer_norm_row(float *row, size_t cols, const float *gamma, const float *beta, float eps) {
    float mean = wk_row_sum(row, cols) / (float)cols;
    float var = wk_row_sq_dev(row, cols, mean) / (float)cols;
    float inv = 1.0f / sqrtf(var + eps);
    for (size_t c = 0; c < cols; c++) row[c] = (row[c] - mean) * inv * gamma[c] + beta[c];
}

WK_CLONES void wk_layer_norm(float *x, size_t rows, size_t cols, const float *gamma, const float *beta, float eps) {
    for (size_t r = 0; r < rows; r++) wk_layer_norm_row(x + r * cols, cols, gamma, beta, eps);
}

WK_CLONES void wk_bias_residual_layer_norm(float *x, const float *residual, size_t rows, size_t cols,
                                           const float *bias, const float *gamma, const float *beta, float eps) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        const float *res = residual + r * cols;
        for (size_t c = 0; c < cols; c++) row[c] += bias[c] + res[c];
        wk_layer_norm_row(row, cols, gamma, beta, eps);
    }
}

WK_CLONES void wk_add_bias(float *x, size_t rows, size_t cols, size_t stride, const float *bias) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * stride;
        for (size_t c = 0; c < cols; c++) row[c] += bias[c];
    }
}

WK_CLONES void wk_bias_gelu_erf(float *x, size_t rows, size_t cols, const float *bias) {
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols;
        for (size_t c = 0; c < cols; c++) {
            float v = row[c] + bias[c];
            row[c] = 0.5f * v * (1.0f + wk_erf(v * 0.70710678118654752f));
        }
    }
}

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

// dst[c * rows + r] = src[r * stride + c] for r < rows, c < cols, in 64 × 64 tiles; inside a
// tile, 4 × 4 blocks are transposed in registers (SSE, part of every x86-64), the ragged edges
// element by element. `stride` (≥ cols) lets src be a column range of a wider matrix.
void wk_transpose_f32_strided(const float *restrict src, size_t rows, size_t cols, size_t stride, float *restrict dst) {
    const size_t tile = 64;
    for (size_t r0 = 0; r0 < rows; r0 += tile) {
        size_t r1 = r0 + tile < rows ? r0 + tile : rows;
        for (size_t c0 = 0; c0 < cols; c0 += tile) {
            size_t c1 = c0 + tile < cols ? c0 + tile : cols;
            size_t r = r0;
#if defined(__SSE2__)
            for (; r + 4 <= r1; r += 4) {
                size_t c = c0;
                for (; c + 4 <= c1; c += 4) {
                    __m128 a = _mm_loadu_ps(src + r * stride + c);
                    __m128 b = _mm_loadu_ps(src + (r + 1) * stride + c);
                    __m128 d = _mm_loadu_ps(src + (r + 2) * stride + c);
                    __m128 e = _mm_loadu_ps(src + (r + 3) * stride + c);
                    _MM_TRANSPOSE4_PS(a, b, d, e);
                    _mm_storeu_ps(dst + c * rows + r, a);
                    _mm_storeu_ps(dst + (c + 1) * rows + r, b);
                    _mm_storeu_ps(dst + (c + 2) * rows + r, d);
                    _mm_storeu_ps(dst + (c + 3) * rows + r, e);
                }
                for (; c < c1; c++)
                    for (size_t k = 0; k < 4; k++) dst[c * rows + r + k] = src[(r + k) * stride + c];
            }
#endif
            for (; r < r1; r++)
                for (size_t c = c0; c < c1; c++) dst[c * rows + r] = src[r * stride + c];
        }
    }
}

void wk_transpose_f32(const float *restrict src, size_t rows, size_t cols, float *restrict dst) {
    wk_transpose_f32_strided(src, rows, cols, cols, dst);
}
