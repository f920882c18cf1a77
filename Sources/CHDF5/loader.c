#include "wk_hdf5.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

wk_hdf5_api wk_hdf5;
static int loaded = 0;

// Library file names to try, most specific first: Debian / Ubuntu (serial flavour, 1.10 and
// 1.14 sonames), generic Linux, Homebrew on Apple silicon and Intel.
static const char *candidates[] = {
    "libhdf5_serial.so.103", "libhdf5_serial.so.310", "libhdf5.so.103", "libhdf5.so.310",
    "libhdf5_serial.so", "libhdf5.so",
    "libhdf5.310.dylib", "libhdf5.dylib", "/opt/homebrew/lib/libhdf5.dylib", "/usr/local/lib/libhdf5.dylib",
};

#define BIND(name) do { \
    *(void **)(&wk_hdf5.name) = dlsym(lib, #name); \
    if (!wk_hdf5.name) { snprintf(error, error_size, "libhdf5 (%s) has no symbol %s", used, #name); return -1; } \
} while (0)

int wk_hdf5_load(char *error, size_t error_size) {
    if (loaded) return 0;
    void *lib = NULL;
    const char *used = NULL;
    const char *env = getenv("WEIGHTKIT_LIBHDF5");
    if (env && *env) { lib = dlopen(env, RTLD_NOW | RTLD_LOCAL); used = env; }
    for (size_t i = 0; !lib && i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        lib = dlopen(candidates[i], RTLD_NOW | RTLD_LOCAL);
        used = candidates[i];
    }
    if (!lib) {
        snprintf(error, error_size, "cannot load libhdf5 (tried %s%s libhdf5_serial.so.103, libhdf5.so, libhdf5.dylib, ...): "
                 "install it (Debian: apt-get install libhdf5-dev; macOS: brew install hdf5) or set WEIGHTKIT_LIBHDF5",
                 env ? env : "", env ? "," : "");
        return -1;
    }
    BIND(H5open); BIND(H5get_libversion); BIND(H5Eset_auto2); BIND(H5Ewalk2); BIND(H5Eclear2);
    BIND(H5Fopen); BIND(H5Fclose); BIND(H5Gopen2); BIND(H5Gclose); BIND(H5Gget_info);
    BIND(H5Lget_name_by_idx); BIND(H5Lexists); BIND(H5Oexists_by_name); BIND(H5Oopen); BIND(H5Oclose);
    BIND(H5Iget_type); BIND(H5Aexists); BIND(H5Aopen); BIND(H5Aget_type); BIND(H5Aget_space);
    BIND(H5Aread); BIND(H5Aclose); BIND(H5Tcopy); BIND(H5Tset_size); BIND(H5Tset_cset); BIND(H5Tget_cset);
    BIND(H5Tis_variable_str); BIND(H5Tset_strpad); BIND(H5Tget_class); BIND(H5Tget_size); BIND(H5Tget_sign);
    BIND(H5Tget_order); BIND(H5Tget_native_type); BIND(H5Tclose); BIND(H5Sget_simple_extent_npoints);
    BIND(H5Sget_simple_extent_ndims); BIND(H5Sget_simple_extent_dims); BIND(H5Sclose); BIND(H5Dopen2);
    BIND(H5Dget_type); BIND(H5Dget_space); BIND(H5Dget_create_plist); BIND(H5Dget_offset); BIND(H5Dread);
    BIND(H5Dclose); BIND(H5Pget_layout); BIND(H5Pget_nfilters); BIND(H5Pclose);
    BIND(H5T_NATIVE_DOUBLE_g); BIND(H5T_C_S1_g);
    unsigned major = 0, minor = 0, release = 0;
    wk_hdf5.H5get_libversion(&major, &minor, &release);
    if (major != 1 || minor < 10) {
        snprintf(error, error_size, "%s is HDF5 %u.%u.%u; WeightKit needs 1.10 or later", used, major, minor, release);
        return -1;
    }
    if (wk_hdf5.H5open() < 0) { snprintf(error, error_size, "H5open failed"); return -1; }
    loaded = 1;
    return 0;
}

void wk_h5_silence(void) { wk_hdf5.H5Eset_auto2(0, NULL, NULL); }

static herr_t walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    char *buf = (char *)data;
    (void)n;
    if (err && err->desc) {
        size_t len = strlen(buf);
        if (len > 0 && len < 900) strncat(buf, "; ", 1023 - len);
        len = strlen(buf);
        if (len < 900) strncat(buf, err->desc, 1023 - len);
    }
    return 0;
}

void wk_h5_take_error(char *buf) {
    buf[0] = 0;
    wk_hdf5.H5Ewalk2(0, 0 /* H5E_WALK_UPWARD */, walk_cb, buf);
    wk_hdf5.H5Eclear2(0);
}

int wk_h5_kind(hid_t loc, const char *name) {
    if (wk_hdf5.H5Lexists(loc, name, 0) <= 0) return 0;
    if (wk_hdf5.H5Oexists_by_name(loc, name, 0) <= 0) return 0;
    hid_t o = wk_hdf5.H5Oopen(loc, name, 0);
    if (o < 0) return 0;
    int t = wk_hdf5.H5Iget_type(o);
    wk_hdf5.H5Oclose(o);
    return t == WK_H5I_GROUP ? 1 : (t == WK_H5I_DATASET ? 2 : 0);
}
