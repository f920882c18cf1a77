#ifndef WEIGHTKIT_CNETTLE_SHIM_H
#define WEIGHTKIT_CNETTLE_SHIM_H
// SHA-256 from GNU Nettle (SHA-NI on x86-64 when the CPU has it).
#include <nettle/sha2.h>
#endif
