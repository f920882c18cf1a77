// Linear-layer weights packed once, at bind time, into the layout oneDNN's matmul primitive picks
// for this CPU, in bf16 or int8; see wk_gemm.h. oneDNN 2.x's C API, bound with dlsym like
// dnnl_sgemm; built only where its header is installed (libdnnl-dev), used only when the library
// loaded at run time is a 2.x one.
#include "wk_gemm.h"
#include "internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__APPLE__) && __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#endif

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__)) && defined(__linux__) && \
    !(defined(__has_feature) && (__has_feature(thread_sanitizer) || __has_feature(address_sanitizer)))
// The activation passes compiled for AVX-512, AVX2 and baseline x86-64, picked at load time (as in CKernels).
#define WK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define WK_CLONES
#endif

#if defined(DNNL_VERSION_MAJOR) && DNNL_VERSION_MAJOR == 2
#include <dlfcn.h>
#include <pthread.h>
#define WK_HAVE_PACKED 1

#define WK_DNNL_FUNCS(X)                                                                                        \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_wait) X(dnnl_memory_desc_init_by_tag)             \
    X(dnnl_memory_desc_get_size) X(dnnl_matmul_desc_init) X(dnnl_primitive_desc_create)                         \
    X(dnnl_primitive_desc_destroy) X(dnnl_primitive_desc_query) X(dnnl_primitive_desc_query_md)                 \
    X(dnnl_primitive_create) X(dnnl_primitive_execute) X(dnnl_primitive_destroy) X(dnnl_memory_create)          \
    X(dnnl_memory_destroy) X(dnnl_reorder_primitive_desc_create) X(dnnl_memory_desc_equal)                    \
    X(dnnl_memory_get_data_handle)
#define WK_DECLARE(f) static __typeof__(&f) p_##f;
WK_DNNL_FUNCS(WK_DECLARE)

static dnnl_engine_t engine;
static int bound = 0;  // 1 ready, -1 unavailable (set once, under bind_once)
static char bind_error[256];
static pthread_once_t bind_once = PTHREAD_ONCE_INIT;
// One stream per calling thread: oneDNN streams are not safe to share between threads.
static __thread dnnl_stream_t thread_stream;

static void wk_bind_dnnl_once(void);
static int wk_bind_dnnl(void) {
    pthread_once(&bind_once, wk_bind_dnnl_once);
    return bound;
}

static dnnl_stream_t wk_stream(void) {
    if (!thread_stream && p_dnnl_stream_create(&thread_stream, engine, dnnl_stream_default_flags) != dnnl_success)
        thread_stream = NULL;
    return thread_stream;
}

static void wk_bind_dnnl_once(void) {
    char e[256];
    bound = -1;
    if (wk_gemm_load(e, sizeof e) != 0 || !wk_gemm_dnnl_handle()) {
        snprintf(bind_error, sizeof bind_error, "packed weights need oneDNN (libdnnl2): %s", e);
        return;
    }
    if (wk_gemm_dnnl_major() != 2) {
        snprintf(bind_error, sizeof bind_error, "packed weights need oneDNN 2.x; the loaded library is %d.x",
                 wk_gemm_dnnl_major());
        return;
    }
    void *h = wk_gemm_dnnl_handle();
#define WK_LOOKUP(f)                                                                          \
    if (!(p_##f = (__typeof__(&f))dlsym(h, #f))) {                                            \
        snprintf(bind_error, sizeof bind_error, "oneDNN has no %s", #f);                      \
        return;                                                                         \
    }
    WK_DNNL_FUNCS(WK_LOOKUP)
    if (p_dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) {
        snprintf(bind_error, sizeof bind_error, "oneDNN could not create a CPU engine");
        return;
    }
    bound = 1;
}
#endif

struct wk_matmul {
    int precision;
    int64_t k, n;
    float *col_scale;    // int8: per output column, the weight scale
    int32_t *col_sum;    // int8: per output column, Σ_k of the quantised weights
    char impl[128];
#ifdef WK_HAVE_PACKED
    dnnl_memory_t weights;    // packed: owned, or over the caller's bytes when weights_borrowed
    int weights_borrowed;
    dnnl_memory_desc_t weights_md;
    int64_t cached_m;          // the primitive for the last M (oneDNN also caches primitives)
    dnnl_primitive_t prim;
    pthread_mutex_t lock;      // one call at a time per layer (the cached primitive, its scratch use)
#endif
};

static const char *precision_name(int p) { return p == WK_PRECISION_BF16 ? "bf16" : p == WK_PRECISION_INT8 ? "int8" : "f32"; }

static size_t align64(size_t v) { return (v + 63) & ~(size_t)63; }
// int8 scratch: u8 rows at 0, row scales at int8_scale_offset, zero points after them, s32 accumulators at int8_acc_offset.
static size_t int8_scale_offset(int64_t m, int64_t k) { return align64((size_t)(m * k)); }
static size_t int8_acc_offset(int64_t m, int64_t k) { return align64(int8_scale_offset(m, k) + (size_t)m * 8); }

size_t wk_matmul_scratch_bytes(const wk_matmul *mm, int64_t m) {
    if (!mm) return 0;
    if (mm->precision == WK_PRECISION_BF16) return (size_t)(m * mm->k * 2);
    // int8: u8 rows, per-row scale and zero point, s32 accumulators (each part 64-byte aligned).
    return int8_acc_offset(m, mm->k) + (size_t)(m * mm->n) * 4;
}

const char *wk_matmul_kernel(const wk_matmul *mm) { return mm ? mm->impl : ""; }

static inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t rounded = u + 0x7fffu + ((u >> 16) & 1u);  // round to nearest even
    // NaN stays a (quiet) NaN; written as a select so the loop vectorises.
    uint32_t r = (u & 0x7fffffffu) > 0x7f800000u ? (u | 0x00400000u) : rounded;
    return (uint16_t)(r >> 16);
}

// Symmetric int8 per output column: scale = max |w| / 127, values rounded half away from zero
// (the multiply by 1/scale and a truncation, so the loops vectorise); the column sums of the
// quantised values serve the zero-point correction. Row by row: the stored order of [in, out].
WK_CLONES static void quantize_weights(const float *w, int64_t ldw, int transposed, int64_t k, int64_t n, int8_t *q,
                                       float *scale, int32_t *sum) {
#define W(r, col) (transposed ? w[(col) * ldw + (r)] : w[(r) * ldw + (col)])
    for (int64_t col = 0; col < n; col++) scale[col] = 0;
    for (int64_t r = 0; r < k; r++)
        for (int64_t col = 0; col < n; col++) {
            float v = fabsf(W(r, col));
            scale[col] = v > scale[col] ? v : scale[col];
        }
    for (int64_t col = 0; col < n; col++) {
        float mx = scale[col];
        scale[col] = mx > 0 && isfinite(mx) ? mx / 127.0f : 1.0f;
    }
    float *inv = malloc((size_t)n * sizeof(float));
    for (int64_t col = 0; col < n; col++) inv[col] = 1.0f / scale[col];
    for (int64_t r = 0; r < k; r++)
        for (int64_t col = 0; col < n; col++) {
            float v = W(r, col) * inv[col];
            v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
            int8_t qv = (int8_t)(int32_t)(v + (v < 0 ? -0.5f : 0.5f));
            q[r * n + col] = qv;
            sum[col] += qv;
        }
    free(inv);
#undef W
}

void wk_weights_bf16(const float *w, int64_t ldw, int transposed, int64_t k, int64_t n, uint16_t *q) {
    for (int64_t r = 0; r < k; r++)
        for (int64_t col = 0; col < n; col++) q[r * n + col] = to_bf16(transposed ? w[col * ldw + r] : w[r * ldw + col]);
}

void wk_weights_s8(const float *w, int64_t ldw, int transposed, int64_t k, int64_t n, int8_t *q, float *scale,
                   int32_t *sum) {
    memset(sum, 0, (size_t)n * sizeof(int32_t));
    quantize_weights(w, ldw, transposed, k, n, q, scale, sum);
}

// The blocked layouts oneDNN names (see wk_gemm.h): BA{a1}a{b}b{a2}a.
__attribute__((unused)) static int parse_layout(const char *tag, int *a1, int *b, int *a2) {
    char tail;
    return tag && sscanf(tag, "BA%da%db%da%c", a1, b, a2, &tail) == 3 && *a1 > 0 && *b > 0 && *a2 > 0;
}

// Σ over the rows of each column of an s8 matrix in a blocked layout (its padding is zero).
__attribute__((unused)) static void blocked_column_sums(const int8_t *w, int64_t k, int64_t n, int a1, int b, int a2, int32_t *sum) {
    int64_t A = (int64_t)a1 * a2, tiles_k = (k + A - 1) / A, tiles_n = (n + b - 1) / b;
    memset(sum, 0, (size_t)n * sizeof(int32_t));
    for (int64_t bo = 0; bo < tiles_n; bo++)
        for (int64_t t = 0; t < tiles_k * a1; t++) {  // every group of a2 rows of this column block
            const int8_t *g = w + (bo * tiles_k * A + t * a2) * b;
            for (int64_t j = 0; j < b && bo * b + j < n; j++)
                for (int i = 0; i < a2; i++) sum[bo * b + j] += g[j * a2 + i];
        }
}

#ifndef WK_HAVE_PACKED
static const char *no_packed = "%s weights need oneDNN 2.x's matmul primitive, which this build of WeightKit does "
                               "not have (its header, libdnnl-dev, was not installed when it was built)";
wk_matmul *wk_matmul_create(int precision, int64_t k, int64_t n, const float *w, int64_t ldw, int transposed,
                            char *error, size_t error_size) {
    (void)k; (void)n; (void)w; (void)ldw; (void)transposed;
    snprintf(error, error_size, no_packed, precision_name(precision));
    return NULL;
}
wk_matmul *wk_matmul_create_packed(int precision, int64_t k, int64_t n, const char *layout, const void *data,
                                   size_t bytes, const float *col_scale, char *error, size_t error_size) {
    (void)k; (void)n; (void)layout; (void)data; (void)bytes; (void)col_scale;
    snprintf(error, error_size, no_packed, precision_name(precision));
    return NULL;
}
int wk_matmul_preferred_layout(int precision, int64_t k, int64_t n, char *layout, size_t layout_size, char *error,
                               size_t error_size) {
    (void)k; (void)n; (void)layout; (void)layout_size;
    snprintf(error, error_size, no_packed, precision_name(precision));
    return -1;
}
const void *wk_matmul_weights(const wk_matmul *mm, size_t *bytes, int *borrowed) {
    (void)mm;
    *bytes = 0;
    *borrowed = 0;
    return NULL;
}
int wk_matmul_run(wk_matmul *mm, int64_t m, const float *a, float *c, void *scratch) {
    (void)mm; (void)m; (void)a; (void)c; (void)scratch;
    return -1;
}
void wk_matmul_destroy(wk_matmul *mm) { free(mm); }
#else

static void destroy_prim(wk_matmul *mm) {
    if (mm->prim) p_dnnl_primitive_destroy(mm->prim);
    mm->prim = NULL;
    mm->cached_m = -1;
}

// The matmul primitive for M rows (src bf16 / u8, weights as packed, dst f32 / s32).
static dnnl_primitive_t primitive_for(wk_matmul *mm, int64_t m, char *error, size_t error_size) {
    if (mm->prim && mm->cached_m == m) return mm->prim;
    destroy_prim(mm);
    int bf = mm->precision == WK_PRECISION_BF16;
    dnnl_dims_t ad = {m, mm->k}, cd = {m, mm->n};
    dnnl_memory_desc_t a_md, c_md;
    p_dnnl_memory_desc_init_by_tag(&a_md, 2, ad, bf ? dnnl_bf16 : dnnl_u8, dnnl_ab);
    p_dnnl_memory_desc_init_by_tag(&c_md, 2, cd, bf ? dnnl_f32 : dnnl_s32, dnnl_ab);
    dnnl_matmul_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    if (p_dnnl_matmul_desc_init(&d, &a_md, &mm->weights_md, NULL, &c_md) != dnnl_success ||
        p_dnnl_primitive_desc_create(&pd, &d, NULL, engine, NULL) != dnnl_success ||
        p_dnnl_primitive_create(&mm->prim, pd) != dnnl_success) {
        if (pd) p_dnnl_primitive_desc_destroy(pd);
        snprintf(error, error_size, "oneDNN has no %s matmul for %lld×%lld×%lld", precision_name(mm->precision),
                 (long long)m, (long long)mm->k, (long long)mm->n);
        mm->prim = NULL;
        return NULL;
    }
    p_dnnl_primitive_desc_destroy(pd);
    mm->cached_m = m;
    return mm->prim;
}

// The oneDNN format tags of the blocked layouts WeightKit stores.
static const struct { const char *name; dnnl_format_tag_t tag; } known_layouts[] = {
    {"BA16a16b2a", dnnl_BA16a16b2a}, {"BA16a32b2a", dnnl_BA16a32b2a}, {"BA16a48b2a", dnnl_BA16a48b2a},
    {"BA16a64b2a", dnnl_BA16a64b2a}, {"BA16a16b4a", dnnl_BA16a16b4a}, {"BA16a32b4a", dnnl_BA16a32b4a},
    {"BA16a48b4a", dnnl_BA16a48b4a}, {"BA16a64b4a", dnnl_BA16a64b4a},
};
#define WK_KNOWN_LAYOUTS ((int)(sizeof known_layouts / sizeof known_layouts[0]))

// The primitive oneDNN picks for [128 × k] · [k × n] with weights in the layout it prefers, when
// its kernel uses the CPU's bf16 / int8 instructions; *preferred is that layout.
static dnnl_primitive_desc_t native_matmul(int precision, int64_t k, int64_t n, dnnl_memory_desc_t *preferred,
                                           const char **impl, char *error, size_t error_size) {
    int bf = precision == WK_PRECISION_BF16;
    dnnl_dims_t bd = {k, n}, ad = {128, k}, cd = {128, n};
    dnnl_memory_desc_t any_md, a_md, c_md;
    p_dnnl_memory_desc_init_by_tag(&any_md, 2, bd, bf ? dnnl_bf16 : dnnl_s8, dnnl_format_tag_any);
    p_dnnl_memory_desc_init_by_tag(&a_md, 2, ad, bf ? dnnl_bf16 : dnnl_u8, dnnl_ab);
    p_dnnl_memory_desc_init_by_tag(&c_md, 2, cd, bf ? dnnl_f32 : dnnl_s32, dnnl_ab);
    dnnl_matmul_desc_t d;
    dnnl_primitive_desc_t pd = NULL;
    *impl = NULL;
    int ok = p_dnnl_matmul_desc_init(&d, &a_md, &any_md, NULL, &c_md) == dnnl_success &&
             p_dnnl_primitive_desc_create(&pd, &d, NULL, engine, NULL) == dnnl_success &&
             p_dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, impl) == dnnl_success;
    // Only kernels that use the hardware's bf16 / int8 instructions: elsewhere oneDNN emulates them
    // (bf16 through gemm:jit, ~2.5x slower than float32) or, for int8 without VNNI, multiplies
    // with vpmaddubsw, whose 16-bit intermediate sums can saturate.
    int native = ok && *impl &&
                 (bf ? (strstr(*impl, "bf16") != NULL || strstr(*impl, "amx") != NULL)
                     : (strstr(*impl, "vnni") != NULL || strstr(*impl, "amx") != NULL));
    if (ok && !native) {
        snprintf(error, error_size,
                 "%s needs a CPU with %s; oneDNN's kernel here would be %s (%s): use --precision f32%s",
                 precision_name(precision), bf ? "AVX512_BF16 or AMX-BF16" : "AVX512_VNNI, AVX_VNNI or AMX-INT8",
                 *impl, bf ? "emulated, slower than float32" : "without VNNI its 16-bit sums can saturate",
                 bf ? "" : " or bf16 where available");
    } else if (!ok) {
        snprintf(error, error_size, "%s needs a CPU with %s; oneDNN has no %s matmul on this one: use --precision f32",
                 precision_name(precision), bf ? "AVX512_BF16 or AMX-BF16" : "AVX512_VNNI, AVX_VNNI or AMX-INT8",
                 precision_name(precision));
    }
    if (!native) {
        if (pd) p_dnnl_primitive_desc_destroy(pd);
        return NULL;
    }
    *preferred = *p_dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    return pd;
}

// Copies src (in its memory desc) into mm->weights, allocated in the preferred layout.
static int reorder_into(wk_matmul *mm, const dnnl_memory_desc_t *src_md, void *src) {
    dnnl_memory_t user = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    int ok = p_dnnl_memory_create(&user, src_md, engine, src) == dnnl_success &&
             p_dnnl_memory_create(&mm->weights, &mm->weights_md, engine, DNNL_MEMORY_ALLOCATE) == dnnl_success &&
             p_dnnl_reorder_primitive_desc_create(&rpd, src_md, engine, &mm->weights_md, engine, NULL) ==
                 dnnl_success &&
             p_dnnl_primitive_create(&reorder, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, mm->weights}};
        dnnl_stream_t stream = wk_stream();
        ok = stream && p_dnnl_primitive_execute(reorder, stream, 2, args) == dnnl_success &&
             p_dnnl_stream_wait(stream) == dnnl_success;
    }
    if (reorder) p_dnnl_primitive_destroy(reorder);
    if (rpd) p_dnnl_primitive_desc_destroy(rpd);
    if (user) p_dnnl_memory_destroy(user);
    return ok;
}

static wk_matmul *new_matmul(int precision, int64_t k, int64_t n, char *error, size_t error_size) {
    if (precision != WK_PRECISION_BF16 && precision != WK_PRECISION_INT8) {
        snprintf(error, error_size, "packed weights are bf16 or int8 (float32 runs through wk_sgemm)");
        return NULL;
    }
    if (wk_bind_dnnl() != 1) {
        snprintf(error, error_size, "%s", bind_error);
        return NULL;
    }
    wk_matmul *mm = calloc(1, sizeof *mm);
    if (!mm) { snprintf(error, error_size, "out of memory"); return NULL; }
    mm->precision = precision;
    mm->k = k;
    mm->n = n;
    mm->cached_m = -1;
    pthread_mutex_init(&mm->lock, NULL);
    if (precision == WK_PRECISION_INT8) {
        mm->col_scale = malloc((size_t)n * sizeof(float));
        mm->col_sum = calloc((size_t)n, sizeof(int32_t));
        if (!mm->col_scale || !mm->col_sum) {
            wk_matmul_destroy(mm);
            snprintf(error, error_size, "out of memory");
            return NULL;
        }
    }
    return mm;
}

wk_matmul *wk_matmul_create(int precision, int64_t k, int64_t n, const float *w, int64_t ldw, int transposed,
                            char *error, size_t error_size) {
    wk_matmul *mm = new_matmul(precision, k, n, error, error_size);
    if (!mm) return NULL;
    int bf = precision == WK_PRECISION_BF16;
    // The weights in the precision, [K × N] row-major, then reordered into the primitive's layout.
    void *plain = malloc((size_t)(k * n) * (bf ? 2 : 1));
    if (!plain) { wk_matmul_destroy(mm); snprintf(error, error_size, "out of memory"); return NULL; }
    if (bf) wk_weights_bf16(w, ldw, transposed, k, n, plain);
    else quantize_weights(w, ldw, transposed, k, n, plain, mm->col_scale, mm->col_sum);
    const char *impl;
    dnnl_primitive_desc_t pd = native_matmul(precision, k, n, &mm->weights_md, &impl, error, error_size);
    int ok = pd != NULL;
    if (ok) {
        snprintf(mm->impl, sizeof mm->impl, "oneDNN matmul %s (%s)", bf ? "bf16" : "u8·s8→s32", impl);
        dnnl_dims_t bd = {k, n};
        dnnl_memory_desc_t user_md;
        p_dnnl_memory_desc_init_by_tag(&user_md, 2, bd, bf ? dnnl_bf16 : dnnl_s8, dnnl_ab);
        ok = reorder_into(mm, &user_md, plain);
        if (!ok) snprintf(error, error_size, "oneDNN could not pack the %s weights", precision_name(precision));
        p_dnnl_primitive_desc_destroy(pd);
    }
    free(plain);
    if (!ok) { wk_matmul_destroy(mm); return NULL; }
    return mm;
}

wk_matmul *wk_matmul_create_packed(int precision, int64_t k, int64_t n, const char *layout, const void *data,
                                   size_t bytes, const float *col_scale, char *error, size_t error_size) {
    int a1, b, a2, t = -1;
    if (parse_layout(layout, &a1, &b, &a2))
        for (int i = 0; i < WK_KNOWN_LAYOUTS; i++)
            if (strcmp(known_layouts[i].name, layout) == 0) t = i;
    if (t < 0) {
        snprintf(error, error_size, "weights in layout %s, which is not one of oneDNN's matmul weight layouts",
                 layout ? layout : "(none)");
        return NULL;
    }
    wk_matmul *mm = new_matmul(precision, k, n, error, error_size);
    if (!mm) return NULL;
    int bf = precision == WK_PRECISION_BF16;
    dnnl_dims_t bd = {k, n};
    dnnl_memory_desc_t stored;
    p_dnnl_memory_desc_init_by_tag(&stored, 2, bd, bf ? dnnl_bf16 : dnnl_s8, known_layouts[t].tag);
    if (p_dnnl_memory_desc_get_size(&stored) != bytes) {
        snprintf(error, error_size, "%lld×%lld weights in %s take %zu bytes, not %zu", (long long)k, (long long)n,
                 layout, p_dnnl_memory_desc_get_size(&stored), bytes);
        wk_matmul_destroy(mm);
        return NULL;
    }
    if (!bf) {
        memcpy(mm->col_scale, col_scale, (size_t)n * sizeof(float));
        blocked_column_sums(data, k, n, a1, b, a2, mm->col_sum);
    }
    const char *impl;
    dnnl_primitive_desc_t pd = native_matmul(precision, k, n, &mm->weights_md, &impl, error, error_size);
    int ok = pd != NULL;
    if (ok) {
        // The stored layout is the one the kernel wants: its bytes are used where they are (the
        // mapped file); otherwise they are reordered once into the kernel's layout.
        int in_place = p_dnnl_memory_desc_equal(&stored, &mm->weights_md);
        snprintf(mm->impl, sizeof mm->impl, "oneDNN matmul %s (%s), weights %s %s", bf ? "bf16" : "u8·s8→s32",
                 impl, in_place ? "in place," : "repacked from", layout);
        if (in_place) {
            mm->weights_borrowed = 1;
            ok = p_dnnl_memory_create(&mm->weights, &mm->weights_md, engine, (void *)data) == dnnl_success;
        } else {
            ok = reorder_into(mm, &stored, (void *)data);
        }
        if (!ok) snprintf(error, error_size, "oneDNN could not use the stored %s weights", precision_name(precision));
        p_dnnl_primitive_desc_destroy(pd);
    }
    if (!ok) { wk_matmul_destroy(mm); return NULL; }
    return mm;
}

int wk_matmul_preferred_layout(int precision, int64_t k, int64_t n, char *layout, size_t layout_size, char *error,
                               size_t error_size) {
    if (precision != WK_PRECISION_BF16 && precision != WK_PRECISION_INT8) {
        snprintf(error, error_size, "packed weights are bf16 or int8");
        return -1;
    }
    if (wk_bind_dnnl() != 1) {
        snprintf(error, error_size, "%s", bind_error);
        return -1;
    }
    const char *impl;
    dnnl_memory_desc_t preferred, candidate;
    dnnl_primitive_desc_t pd = native_matmul(precision, k, n, &preferred, &impl, error, error_size);
    if (!pd) return -1;
    p_dnnl_primitive_desc_destroy(pd);
    dnnl_dims_t bd = {k, n};
    for (int i = 0; i < WK_KNOWN_LAYOUTS; i++) {
        p_dnnl_memory_desc_init_by_tag(&candidate, 2, bd, precision == WK_PRECISION_BF16 ? dnnl_bf16 : dnnl_s8,
                                       known_layouts[i].tag);
        if (p_dnnl_memory_desc_equal(&candidate, &preferred)) {
            snprintf(layout, layout_size, "%s", known_layouts[i].name);
            return 0;
        }
    }
    snprintf(error, error_size, "oneDNN's %s kernel (%s) wants a weight layout WeightKit does not store",
             precision_name(precision), impl);
    return -1;
}

const void *wk_matmul_weights(const wk_matmul *mm, size_t *bytes, int *borrowed) {
    void *h = NULL;
    *bytes = 0;
    *borrowed = mm ? mm->weights_borrowed : 0;
    if (!mm || !mm->weights || p_dnnl_memory_get_data_handle(mm->weights, &h) != dnnl_success) return NULL;
    *bytes = p_dnnl_memory_desc_get_size(&mm->weights_md);
    return h;
}

void wk_matmul_destroy(wk_matmul *mm) {
    if (!mm) return;
    if (bound == 1) {
        destroy_prim(mm);
        if (mm->weights) p_dnnl_memory_destroy(mm->weights);
    }
    pthread_mutex_destroy(&mm->lock);
    free(mm->col_scale);
    free(mm->col_sum);
    free(mm);
}

// The activation passes, split by rows over the team.
struct wk_pass {
    const wk_matmul *mm;
    int64_t m;
    const float *a;
    float *c;
    void *q;          // bf16 or u8 rows
    float *scale;     // int8: per row
    int32_t *zero;    // int8: per row
    const int32_t *acc;
};

WK_CLONES static void to_bf16_rows(void *ctx, int index, int count) {
    struct wk_pass *p = ctx;
    int64_t lo = p->m * index / count, hi = p->m * (index + 1) / count, k = p->mm->k;
    uint16_t *restrict q = p->q;
    const float *restrict a = p->a;
    for (int64_t i = lo * k; i < hi * k; i++) q[i] = to_bf16(a[i]);
}

// Asymmetric u8 per row: scale = (max − min) / 255 over a range that includes 0, zero point in
// [0, 255]; values rounded half up (x·(1/scale) + zero point + 0.5, truncated after clamping).
#define WK_LANES 16
WK_CLONES static void quantize_rows(void *ctx, int index, int count) {
    struct wk_pass *p = ctx;
    int64_t lo = p->m * index / count, hi = p->m * (index + 1) / count, k = p->mm->k;
    uint8_t *restrict q = p->q;
    for (int64_t r = lo; r < hi; r++) {
        const float *restrict x = p->a + r * k;
        float mnl[WK_LANES] = {0}, mxl[WK_LANES] = {0};
        int64_t i = 0;
        for (; i + WK_LANES <= k; i += WK_LANES)
            for (int l = 0; l < WK_LANES; l++) {
                float v = x[i + l];
                mnl[l] = v < mnl[l] ? v : mnl[l];
                mxl[l] = v > mxl[l] ? v : mxl[l];
            }
        float mn = 0, mx = 0;
        for (; i < k; i++) { mn = x[i] < mn ? x[i] : mn; mx = x[i] > mx ? x[i] : mx; }
        for (int l = 0; l < WK_LANES; l++) { mn = mnl[l] < mn ? mnl[l] : mn; mx = mxl[l] > mx ? mxl[l] : mx; }
        float s = mx > mn && isfinite(mx - mn) ? (mx - mn) / 255.0f : 1.0f;
        float zp = floorf(-mn / s + 0.5f);
        zp = zp < 0 ? 0 : zp > 255 ? 255 : zp;
        float inv = 1.0f / s, off = zp + 0.5f;
        p->scale[r] = s;
        p->zero[r] = (int32_t)zp;
        uint8_t *restrict qr = q + r * k;
        for (int64_t j = 0; j < k; j++) {
            float v = x[j] * inv + off;
            v = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
            qr[j] = (uint8_t)(int32_t)v;
        }
    }
}

// c = (acc − zero·Σw) · row scale · column scale.
WK_CLONES static void dequantize_rows(void *ctx, int index, int count) {
    struct wk_pass *p = ctx;
    int64_t lo = p->m * index / count, hi = p->m * (index + 1) / count, n = p->mm->n;
    const float *cs = p->mm->col_scale;
    const int32_t *sum = p->mm->col_sum;
    for (int64_t r = lo; r < hi; r++) {
        float s = p->scale[r];
        int32_t z = p->zero[r];
        const int32_t *restrict acc = p->acc + r * n;
        float *restrict c = p->c + r * n;
        for (int64_t j = 0; j < n; j++) c[j] = (float)(acc[j] - z * sum[j]) * s * cs[j];
    }
}

static int wk_matmul_run_locked(wk_matmul *mm, int64_t m, const float *a, float *c, void *scratch);

int wk_matmul_run(wk_matmul *mm, int64_t m, const float *a, float *c, void *scratch) {
    pthread_mutex_lock(&mm->lock);
    int rc = wk_matmul_run_locked(mm, m, a, c, scratch);
    pthread_mutex_unlock(&mm->lock);
    return rc;
}

static int wk_matmul_run_locked(wk_matmul *mm, int64_t m, const float *a, float *c, void *scratch) {
    char e[160];
    dnnl_primitive_t prim = primitive_for(mm, m, e, sizeof e);
    dnnl_stream_t stream = wk_stream();
    if (!prim || !stream) return -1;
    int threads = wk_gemm_threads();
    struct wk_pass p = {mm, m, a, c, scratch, NULL, NULL, NULL};
    dnnl_dims_t ad = {m, mm->k}, cd = {m, mm->n};
    dnnl_memory_desc_t a_md, c_md;
    int bf = mm->precision == WK_PRECISION_BF16;
    int32_t *acc = NULL;
    if (bf) {
        wk_team_run(to_bf16_rows, &p, threads);
    } else {
        uint8_t *base = scratch;
        p.scale = (float *)(base + int8_scale_offset(m, mm->k));
        p.zero = (int32_t *)(p.scale + m);
        acc = (int32_t *)(base + int8_acc_offset(m, mm->k));
        p.acc = acc;
        wk_team_run(quantize_rows, &p, threads);
    }
    p_dnnl_memory_desc_init_by_tag(&a_md, 2, ad, bf ? dnnl_bf16 : dnnl_u8, dnnl_ab);
    p_dnnl_memory_desc_init_by_tag(&c_md, 2, cd, bf ? dnnl_f32 : dnnl_s32, dnnl_ab);
    dnnl_memory_t am = NULL, cm = NULL;
    int ok = p_dnnl_memory_create(&am, &a_md, engine, scratch) == dnnl_success &&
             p_dnnl_memory_create(&cm, &c_md, engine, bf ? (void *)c : (void *)acc) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, mm->weights}, {DNNL_ARG_DST, cm}};
        ok = p_dnnl_primitive_execute(prim, stream, 3, args) == dnnl_success &&
             p_dnnl_stream_wait(stream) == dnnl_success;
    }
    if (am) p_dnnl_memory_destroy(am);
    if (cm) p_dnnl_memory_destroy(cm);
    if (ok && !bf) wk_team_run(dequantize_rows, &p, threads);
    return ok ? 0 : -1;
}
#endif
