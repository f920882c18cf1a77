#ifndef WK_PLATFORM_H
#define WK_PLATFORM_H
#include <stdint.h>

/// Starts asynchronous write-back of a byte range of a file (Linux `sync_file_range` with
/// SYNC_FILE_RANGE_WRITE); returns 0, or -1 with errno set. A no-op elsewhere.
/// Glibc declares sync_file_range only under _GNU_SOURCE, which Swift's Glibc module does not set.
int wk_start_writeback(int fd, int64_t offset, int64_t count);

/// Copies `count` bytes from `fd_in` at `offset_in` to `fd_out` at its current position inside the
/// kernel (Linux `copy_file_range`: no user-space buffer, page cache to page cache); returns the
/// bytes copied (possibly fewer), or -1 with errno set (ENOSYS elsewhere).
int64_t wk_copy_file_range(int fd_in, int64_t offset_in, int fd_out, int64_t count);

/// Opens an existing file for writing with direct I/O (Linux `O_DIRECT`, which Swift's Glibc
/// module does not declare: it needs _GNU_SOURCE); -1 with errno set when refused (ENOSYS elsewhere).
int wk_open_direct_write(const char *path);

#endif
