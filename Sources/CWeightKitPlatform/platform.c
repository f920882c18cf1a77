#define _GNU_SOURCE
#include "wk_platform.h"
#include <fcntl.h>
#include <errno.h>
#include <unistd.h>

int wk_start_writeback(int fd, int64_t offset, int64_t count) {
#if defined(__linux__)
    return sync_file_range(fd, (off_t)offset, (off_t)count, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd; (void)offset; (void)count;
    return 0;
#endif
}

int64_t wk_copy_file_range(int fd_in, int64_t offset_in, int fd_out, int64_t count) {
#if defined(__linux__)
    off_t in = (off_t)offset_in;
    return (int64_t)copy_file_range(fd_in, &in, fd_out, NULL, (size_t)count, 0);
#else
    (void)fd_in; (void)offset_in; (void)fd_out; (void)count;
    errno = ENOSYS;
    return -1;
#endif
}

int wk_open_direct_write(const char *path) {
#if defined(__linux__)
    return open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
#else
    (void)path;
    errno = ENOSYS;
    return -1;
#endif
}
