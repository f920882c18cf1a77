#ifndef WEIGHTKIT_CZLIB_SHIM_H
#define WEIGHTKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
