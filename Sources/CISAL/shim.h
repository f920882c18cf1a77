#ifndef WEIGHTKIT_CISAL_SHIM_H
#define WEIGHTKIT_CISAL_SHIM_H
// Intel ISA-L: CRC-32 (gzip / zlib polynomial, reflected) with PCLMUL / AVX-512 kernels chosen at run time.
#include <isa-l/crc.h>
#endif
