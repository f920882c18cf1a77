#ifndef WK_HDF5_H
#define WK_HDF5_H
// The part of the HDF5 C API that WeightKit uses, declared here and bound at run time with
// dlopen/dlsym (loader.c) instead of being linked: Debian's libhdf5 pulls in libcurl, Kerberos,
// GnuTLS and ~30 other libraries, which cost every `weightkit` command ~9 ms at start-up, HDF5
// file or not. The library is loaded the first time an HDF5 file is opened.
//
// Only calls and types that are identical in HDF5 1.10 (Debian) and 1.14 (Homebrew) appear here;
// the names are HDF5's own, so the Swift code reads like HDF5 code. Enum values are HDF5's.
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef int64_t hid_t;
typedef int herr_t;
typedef int htri_t;
typedef unsigned long long hsize_t;
typedef long long hssize_t;
typedef uint64_t haddr_t;

typedef enum { H5T_NO_CLASS = -1, H5T_INTEGER = 0, H5T_FLOAT = 1, H5T_TIME = 2, H5T_STRING = 3, H5T_BITFIELD = 4,
               H5T_OPAQUE = 5, H5T_COMPOUND = 6, H5T_REFERENCE = 7, H5T_ENUM = 8, H5T_VLEN = 9, H5T_ARRAY = 10 } H5T_class_t;
typedef enum { H5T_ORDER_ERROR = -1, H5T_ORDER_LE = 0, H5T_ORDER_BE = 1, H5T_ORDER_VAX = 2, H5T_ORDER_MIXED = 3, H5T_ORDER_NONE = 4 } H5T_order_t;
typedef enum { H5T_SGN_ERROR = -1, H5T_SGN_NONE = 0, H5T_SGN_2 = 1 } H5T_sign_t;
typedef enum { H5T_STR_NULLTERM = 0, H5T_STR_NULLPAD = 1, H5T_STR_SPACEPAD = 2 } H5T_str_t;
typedef enum { H5T_CSET_ERROR = -1, H5T_CSET_ASCII = 0, H5T_CSET_UTF8 = 1 } H5T_cset_t;
typedef enum { H5T_DIR_DEFAULT = 0, H5T_DIR_ASCEND = 1, H5T_DIR_DESCEND = 2 } H5T_direction_t;
typedef enum { H5D_LAYOUT_ERROR = -1, H5D_COMPACT = 0, H5D_CONTIGUOUS = 1, H5D_CHUNKED = 2 } H5D_layout_t;
typedef enum { H5_INDEX_UNKNOWN = -1, H5_INDEX_NAME = 0, H5_INDEX_CRT_ORDER = 1 } H5_index_t;
typedef enum { H5_ITER_UNKNOWN = -1, H5_ITER_INC = 0, H5_ITER_DEC = 1, H5_ITER_NATIVE = 2 } H5_iter_order_t;
// Only the values WeightKit compares against (GROUP and DATASET are the same in 1.10 and 1.14).
enum { WK_H5I_GROUP = 2, WK_H5I_DATASET = 5 };

typedef struct {
    int storage_type;
    hsize_t nlinks;
    int64_t max_corder;
    unsigned mounted;  // hbool_t; the struct is only ever read up to nlinks
    char reserved[16];
} H5G_info_t;

typedef struct {
    hid_t cls_id, maj_num, min_num;
    unsigned line;
    const char *func_name, *file_name, *desc;
} H5E_error2_t;

typedef struct {
    herr_t (*H5open)(void);
    herr_t (*H5get_libversion)(unsigned *, unsigned *, unsigned *);
    herr_t (*H5Eset_auto2)(hid_t, void *, void *);
    herr_t (*H5Ewalk2)(hid_t, int, herr_t (*)(unsigned, const H5E_error2_t *, void *), void *);
    herr_t (*H5Eclear2)(hid_t);
    hid_t (*H5Fopen)(const char *, unsigned, hid_t);
    herr_t (*H5Fclose)(hid_t);
    hid_t (*H5Gopen2)(hid_t, const char *, hid_t);
    herr_t (*H5Gclose)(hid_t);
    herr_t (*H5Gget_info)(hid_t, H5G_info_t *);
    ssize_t (*H5Lget_name_by_idx)(hid_t, const char *, H5_index_t, H5_iter_order_t, hsize_t, char *, size_t, hid_t);
    htri_t (*H5Lexists)(hid_t, const char *, hid_t);
    htri_t (*H5Oexists_by_name)(hid_t, const char *, hid_t);
    hid_t (*H5Oopen)(hid_t, const char *, hid_t);
    herr_t (*H5Oclose)(hid_t);
    int (*H5Iget_type)(hid_t);
    htri_t (*H5Aexists)(hid_t, const char *);
    hid_t (*H5Aopen)(hid_t, const char *, hid_t);
    hid_t (*H5Aget_type)(hid_t);
    hid_t (*H5Aget_space)(hid_t);
    herr_t (*H5Aread)(hid_t, hid_t, void *);
    herr_t (*H5Aclose)(hid_t);
    hid_t (*H5Tcopy)(hid_t);
    herr_t (*H5Tset_size)(hid_t, size_t);
    herr_t (*H5Tset_cset)(hid_t, H5T_cset_t);
    H5T_cset_t (*H5Tget_cset)(hid_t);
    htri_t (*H5Tis_variable_str)(hid_t);
    herr_t (*H5Tset_strpad)(hid_t, H5T_str_t);
    H5T_class_t (*H5Tget_class)(hid_t);
    size_t (*H5Tget_size)(hid_t);
    H5T_sign_t (*H5Tget_sign)(hid_t);
    H5T_order_t (*H5Tget_order)(hid_t);
    hid_t (*H5Tget_native_type)(hid_t, H5T_direction_t);
    herr_t (*H5Tclose)(hid_t);
    hssize_t (*H5Sget_simple_extent_npoints)(hid_t);
    int (*H5Sget_simple_extent_ndims)(hid_t);
    int (*H5Sget_simple_extent_dims)(hid_t, hsize_t *, hsize_t *);
    herr_t (*H5Sclose)(hid_t);
    hid_t (*H5Dopen2)(hid_t, const char *, hid_t);
    hid_t (*H5Dget_type)(hid_t);
    hid_t (*H5Dget_space)(hid_t);
    hid_t (*H5Dget_create_plist)(hid_t);
    haddr_t (*H5Dget_offset)(hid_t);
    herr_t (*H5Dread)(hid_t, hid_t, hid_t, hid_t, hid_t, void *);
    herr_t (*H5Dclose)(hid_t);
    H5D_layout_t (*H5Pget_layout)(hid_t);
    int (*H5Pget_nfilters)(hid_t);
    herr_t (*H5Pclose)(hid_t);
    hid_t *H5T_NATIVE_DOUBLE_g;
    hid_t *H5T_C_S1_g;
} wk_hdf5_api;

/// The bound API; valid after wk_hdf5_load() returned 0.
extern wk_hdf5_api wk_hdf5;

/// Loads libhdf5 (once; WEIGHTKIT_LIBHDF5 may name the file) and binds every symbol. Returns 0,
/// or -1 with a message in `error` (which library names were tried, or which symbol is missing).
int wk_hdf5_load(char *error, size_t error_size);

// Calls under HDF5's own names.
static inline herr_t H5open(void) { return wk_hdf5.H5open(); }
static inline hid_t H5Fopen(const char *n, unsigned f, hid_t p) { return wk_hdf5.H5Fopen(n, f, p); }
static inline herr_t H5Fclose(hid_t i) { return wk_hdf5.H5Fclose(i); }
static inline herr_t H5Gclose(hid_t i) { return wk_hdf5.H5Gclose(i); }
static inline herr_t H5Gget_info(hid_t i, H5G_info_t *info) { return wk_hdf5.H5Gget_info(i, info); }
static inline long H5Lget_name_by_idx(hid_t l, const char *g, H5_index_t t, H5_iter_order_t o, hsize_t n, char *name, size_t size, hid_t p) {
    return (long)wk_hdf5.H5Lget_name_by_idx(l, g, t, o, n, name, size, p);
}
static inline hid_t H5Oopen(hid_t l, const char *n, hid_t p) { return wk_hdf5.H5Oopen(l, n, p); }
static inline herr_t H5Oclose(hid_t i) { return wk_hdf5.H5Oclose(i); }
static inline htri_t H5Aexists(hid_t o, const char *n) { return wk_hdf5.H5Aexists(o, n); }
static inline hid_t H5Aopen(hid_t o, const char *n, hid_t p) { return wk_hdf5.H5Aopen(o, n, p); }
static inline hid_t H5Aget_type(hid_t a) { return wk_hdf5.H5Aget_type(a); }
static inline hid_t H5Aget_space(hid_t a) { return wk_hdf5.H5Aget_space(a); }
static inline herr_t H5Aread(hid_t a, hid_t t, void *b) { return wk_hdf5.H5Aread(a, t, b); }
static inline herr_t H5Aclose(hid_t a) { return wk_hdf5.H5Aclose(a); }
static inline hid_t H5Tcopy(hid_t t) { return wk_hdf5.H5Tcopy(t); }
static inline herr_t H5Tset_size(hid_t t, size_t s) { return wk_hdf5.H5Tset_size(t, s); }
static inline herr_t H5Tset_cset(hid_t t, H5T_cset_t c) { return wk_hdf5.H5Tset_cset(t, c); }
static inline H5T_cset_t H5Tget_cset(hid_t t) { return wk_hdf5.H5Tget_cset(t); }
static inline htri_t H5Tis_variable_str(hid_t t) { return wk_hdf5.H5Tis_variable_str(t); }
static inline herr_t H5Tset_strpad(hid_t t, H5T_str_t s) { return wk_hdf5.H5Tset_strpad(t, s); }
static inline H5T_class_t H5Tget_class(hid_t t) { return wk_hdf5.H5Tget_class(t); }
static inline size_t H5Tget_size(hid_t t) { return wk_hdf5.H5Tget_size(t); }
static inline H5T_sign_t H5Tget_sign(hid_t t) { return wk_hdf5.H5Tget_sign(t); }
static inline H5T_order_t H5Tget_order(hid_t t) { return wk_hdf5.H5Tget_order(t); }
static inline hid_t H5Tget_native_type(hid_t t, H5T_direction_t d) { return wk_hdf5.H5Tget_native_type(t, d); }
static inline herr_t H5Tclose(hid_t t) { return wk_hdf5.H5Tclose(t); }
static inline hssize_t H5Sget_simple_extent_npoints(hid_t s) { return wk_hdf5.H5Sget_simple_extent_npoints(s); }
static inline int H5Sget_simple_extent_ndims(hid_t s) { return wk_hdf5.H5Sget_simple_extent_ndims(s); }
static inline int H5Sget_simple_extent_dims(hid_t s, hsize_t *d, hsize_t *m) { return wk_hdf5.H5Sget_simple_extent_dims(s, d, m); }
static inline herr_t H5Sclose(hid_t s) { return wk_hdf5.H5Sclose(s); }
static inline hid_t H5Dget_type(hid_t d) { return wk_hdf5.H5Dget_type(d); }
static inline hid_t H5Dget_space(hid_t d) { return wk_hdf5.H5Dget_space(d); }
static inline hid_t H5Dget_create_plist(hid_t d) { return wk_hdf5.H5Dget_create_plist(d); }
static inline haddr_t H5Dget_offset(hid_t d) { return wk_hdf5.H5Dget_offset(d); }
static inline herr_t H5Dread(hid_t d, hid_t m, hid_t ms, hid_t fs, hid_t p, void *b) { return wk_hdf5.H5Dread(d, m, ms, fs, p, b); }
static inline herr_t H5Dclose(hid_t d) { return wk_hdf5.H5Dclose(d); }
static inline H5D_layout_t H5Pget_layout(hid_t p) { return wk_hdf5.H5Pget_layout(p); }
static inline int H5Pget_nfilters(hid_t p) { return wk_hdf5.H5Pget_nfilters(p); }
static inline herr_t H5Pclose(hid_t p) { return wk_hdf5.H5Pclose(p); }

// Constants and macros Swift cannot see in hdf5.h, with HDF5's values.
static inline unsigned wk_h5f_acc_rdonly(void) { return 0u; }
static inline size_t wk_h5t_variable(void) { return (size_t)-1; }
static inline hid_t wk_h5p_default(void) { return 0; }
static inline hid_t wk_h5s_all(void) { return 0; }
static inline haddr_t wk_haddr_undef(void) { return (haddr_t)(int64_t)(-1); }
static inline hid_t wk_h5t_native_double(void) { return *wk_hdf5.H5T_NATIVE_DOUBLE_g; }
static inline hid_t wk_h5t_c_s1(void) { return *wk_hdf5.H5T_C_S1_g; }
static inline hid_t wk_h5d_open(hid_t loc, const char *name) { return wk_hdf5.H5Dopen2(loc, name, 0); }
static inline hid_t wk_h5g_open(hid_t loc, const char *name) { return wk_hdf5.H5Gopen2(loc, name, 0); }

/// Turns off HDF5's printing of error stacks to stderr; WeightKit reports errors itself.
void wk_h5_silence(void);
/// Copies the current error stack's messages into buf (1024 bytes) and clears the stack.
void wk_h5_take_error(char *buf);
/// 1 group, 2 dataset, 0 anything else or missing.
int wk_h5_kind(hid_t loc, const char *name);

#endif
