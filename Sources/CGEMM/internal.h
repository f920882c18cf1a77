#ifndef WK_GEMM_INTERNAL_H
#define WK_GEMM_INTERNAL_H
// Shared between gemm.c and packed.c, not part of the module's interface.
/// The dlopen handle of the oneDNN library wk_gemm_load found (NULL for OpenBLAS / Accelerate),
/// and its major version.
void *wk_gemm_dnnl_handle(void);
int wk_gemm_dnnl_major(void);
/// Runs fn(ctx, index, count) over the team (or once, inline, without one).
void wk_team_run(void (*fn)(void *ctx, int index, int count), void *ctx, int threads);
/// The thread count last given to wk_gemm_set_threads (0: the runtime's default).
int wk_gemm_threads(void);
#endif
