#ifndef WEIGHTKIT_CHDF5_SHIM_H
#define WEIGHTKIT_CHDF5_SHIM_H
// The HDF5 C API as WeightKit uses it. Only calls that exist with the same signature in HDF5 1.10
// (Debian) and 1.14 (Homebrew) are used; names that are macros Swift cannot see (H5Dopen,
// H5F_ACC_RDONLY, H5T_NATIVE_*, H5T_VARIABLE, ...) are wrapped here in tiny static inline functions.
#include <hdf5.h>
#include <string.h>

static inline unsigned wk_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline size_t wk_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t wk_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t wk_h5s_all(void) { return H5S_ALL; }
static inline haddr_t wk_haddr_undef(void) { return HADDR_UNDEF; }
static inline hid_t wk_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t wk_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t wk_h5t_c_s1(void) { return H5T_C_S1; }

/// Opens a dataset / group (the 1.8+ two-argument-plus-plist forms; H5Dopen/H5Gopen are macros).
static inline hid_t wk_h5d_open(hid_t loc, const char *name) { return H5Dopen2(loc, name, H5P_DEFAULT); }
static inline hid_t wk_h5g_open(hid_t loc, const char *name) { return H5Gopen2(loc, name, H5P_DEFAULT); }

/// Turns off HDF5's automatic printing of error stacks to stderr; WeightKit reports errors itself.
static inline void wk_h5_silence(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static herr_t wk_h5_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    // Keep the innermost message (walked downward, the last one is the deepest).
    char *buf = (char *)data;
    if (err && err->desc) {
        size_t len = strlen(buf);
        if (len > 0 && len < 900) strncat(buf, "; ", 1023 - len);
        len = strlen(buf);
        if (len < 900) strncat(buf, err->desc, 1023 - len);
    }
    (void)n;
    return 0;
}

/// Copies the current error stack's messages into buf (1024 bytes) and clears the stack.
static inline void wk_h5_take_error(char *buf) {
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, wk_h5_walk_cb, buf);
    H5Eclear2(H5E_DEFAULT);
}

/// Whether a link of this name exists and is an object we can open (H5Lexists + H5Oexists_by_name).
static inline int wk_h5_exists(hid_t loc, const char *name) {
    htri_t l = H5Lexists(loc, name, H5P_DEFAULT);
    if (l <= 0) return 0;
    return H5Oexists_by_name(loc, name, H5P_DEFAULT) > 0;
}

/// The type of an object by path: 1 group, 2 dataset, 0 anything else or missing.
static inline int wk_h5_kind(hid_t loc, const char *name) {
    if (!wk_h5_exists(loc, name)) return 0;
    hid_t o = H5Oopen(loc, name, H5P_DEFAULT);
    if (o < 0) return 0;
    H5I_type_t t = H5Iget_type(o);
    H5Oclose(o);
    return t == H5I_GROUP ? 1 : (t == H5I_DATASET ? 2 : 0);
}

#endif
