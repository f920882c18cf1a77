#include "wk_gemm.h"
#include "internal.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>

int wk_gemm_load(char *error, size_t error_size) { (void)error; (void)error_size; return 0; }
int wk_parallel(wk_task_fn fn, void *ctx, int threads) { (void)fn; (void)ctx; (void)threads; return 0; }
void *wk_gemm_dnnl_handle(void) { return NULL; }
int wk_gemm_dnnl_major(void) { return 0; }
void wk_team_run(void (*fn)(void *, int, int), void *ctx, int threads) { (void)threads; fn(ctx, 0, 1); }
int wk_gemm_threads(void) { return 1; }
const char *wk_gemm_backend(void) { return "Accelerate cblas_sgemm"; }
void wk_gemm_set_threads(int threads) { (void)threads; }
int wk_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
             const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    return 0;
}

#else
#include <dlfcn.h>

typedef int (*dnnl_sgemm_fn)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t,
                             const float *, int64_t, float, float *, int64_t);
typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int,
                               float, float *, int);
typedef void (*set_threads_fn)(int);
typedef const void *(*dnnl_version_fn)(void);
typedef void (*gomp_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*omp_int_fn)(void);

static dnnl_sgemm_fn dnnl_sgemm_p;
static cblas_sgemm_fn cblas_sgemm_p;
static set_threads_fn set_threads_p;
static gomp_parallel_fn gomp_parallel_p;
static omp_int_fn omp_thread_num_p, omp_num_threads_p;
static char backend[256] = "none";
static void *dnnl_handle;
static int dnnl_major;
static int loaded;

int wk_gemm_load(char *error, size_t error_size) {
    if (loaded) return 0;
    const char *dnnl_names[] = {"libdnnl.so.2", "libdnnl.so.3", "libdnnl.so"};
    for (size_t i = 0; i < 3 && !dnnl_sgemm_p; i++) {
        void *h = dlopen(dnnl_names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        dnnl_sgemm_p = (dnnl_sgemm_fn)dlsym(h, "dnnl_sgemm");
        set_threads_p = (set_threads_fn)dlsym(h, "omp_set_num_threads");
        // oneDNN's OpenMP runtime (libgomp), found through the library's own dependencies.
        gomp_parallel_p = (gomp_parallel_fn)dlsym(h, "GOMP_parallel");
        omp_thread_num_p = (omp_int_fn)dlsym(h, "omp_get_thread_num");
        omp_num_threads_p = (omp_int_fn)dlsym(h, "omp_get_num_threads");
        if (!omp_thread_num_p || !omp_num_threads_p) gomp_parallel_p = NULL;
        if (dnnl_sgemm_p) {
            const int *v = NULL;
            dnnl_version_fn version = (dnnl_version_fn)dlsym(h, "dnnl_version");
            if (version) v = (const int *)version();
            dnnl_handle = h;
            dnnl_major = v ? v[0] : 0;
            if (v) snprintf(backend, sizeof backend, "oneDNN %d.%d.%d dnnl_sgemm (%s)", v[0], v[1], v[2], dnnl_names[i]);
            else snprintf(backend, sizeof backend, "oneDNN dnnl_sgemm (%s)", dnnl_names[i]);
        }
    }
    if (!dnnl_sgemm_p) {
        const char *blas_names[] = {"libopenblas.so.0", "libopenblas.so"};
        for (size_t i = 0; i < 2 && !cblas_sgemm_p; i++) {
            void *h = dlopen(blas_names[i], RTLD_NOW | RTLD_LOCAL);
            if (!h) continue;
            cblas_sgemm_p = (cblas_sgemm_fn)dlsym(h, "cblas_sgemm");
            set_threads_p = (set_threads_fn)dlsym(h, "openblas_set_num_threads");
            typedef char *(*core_fn)(void);
            core_fn core = (core_fn)dlsym(h, "openblas_get_corename");
            snprintf(backend, sizeof backend, "OpenBLAS cblas_sgemm, %s kernels (%s)", core ? core() : "?", blas_names[i]);
        }
    }
    if (!dnnl_sgemm_p && !cblas_sgemm_p) {
        snprintf(error, error_size, "no GEMM library found: install libdnnl-dev (oneDNN) or libopenblas-dev");
        return -1;
    }
    loaded = 1;
    return 0;
}

const char *wk_gemm_backend(void) { return backend; }

static int team_threads;  // 0: the runtime's default

void wk_gemm_set_threads(int threads) {
    if (threads > 0) team_threads = threads;
    if (set_threads_p && threads > 0) set_threads_p(threads);
}
int wk_gemm_threads(void) { return team_threads; }

struct wk_team_job { wk_task_fn fn; void *ctx; };

static void wk_team_body(void *data) {
    struct wk_team_job *job = data;
    job->fn(job->ctx, omp_thread_num_p(), omp_num_threads_p());
}

void *wk_gemm_dnnl_handle(void) { return dnnl_handle; }
int wk_gemm_dnnl_major(void) { return dnnl_major; }

void wk_team_run(void (*fn)(void *, int, int), void *ctx, int threads) {
    if (wk_parallel(fn, ctx, threads) == 0) fn(ctx, 0, 1);
}

int wk_parallel(wk_task_fn fn, void *ctx, int threads) {
    if (!gomp_parallel_p || threads < 0) return 0;
    struct wk_team_job job = {fn, ctx};
    // The team may be smaller than asked (nested call, OMP_THREAD_LIMIT): fn is given its size.
    gomp_parallel_p(wk_team_body, &job, (unsigned)threads, 0);  // 0: the runtime's default size
    return threads > 0 ? threads : 1;
}

int wk_sgemm(int ta, int tb, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
             const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
    if (dnnl_sgemm_p) return dnnl_sgemm_p(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    // CBLAS: 101 = row major, 111 = no transpose, 112 = transpose.
    cblas_sgemm_p(101, ta ? 112 : 111, tb ? 112 : 111, (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
    return 0;
}
#endif
