#ifndef WK_PLATFORM_H
#define WK_PLATFORM_H
#include <stdint.h>

/// Starts asynchronous write-back of a byte range of a file (Linux `sync_file_range` with
/// SYNC_FILE_RANGE_WRITE); returns 0, or -1 with errno set. A no-op elsewhere.
/// Glibc declares sync_file_range only under _GNU_SOURCE, which Swift's Glibc module does not set.
int wk_start_writeback(int fd, int64_t offset, int64_t count);

#endif
