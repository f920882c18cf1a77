#ifndef WEIGHTKIT_CLIBCRYPTO_SHIM_H
#define WEIGHTKIT_CLIBCRYPTO_SHIM_H
// SHA-256 through OpenSSL's EVP interface (libcrypto 1.1 and 3.x).
#include <openssl/evp.h>
#endif
