// Writeback of a file's pages, for GradualWriteback: Linux calls Swift's Glibc module lacks.

#define _GNU_SOURCE
#include "FileWriteback.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

int herald_start_writeback(int descriptor) {
    return sync_file_range(descriptor, 0, 0, SYNC_FILE_RANGE_WRITE);
}

#ifndef __NR_cachestat
#define __NR_cachestat 451 // the same on every architecture Linux has added it to
#endif

struct herald_cachestat_range {
    uint64_t offset;
    uint64_t length;  // 0: to the end of the file
};

struct herald_cachestat {
    uint64_t cached;
    uint64_t dirty;
    uint64_t writeback;
    uint64_t evicted;
    uint64_t recently_evicted;
};

long long herald_dirty_pages(int descriptor) {
    struct herald_cachestat_range range = {0, 0};
    struct herald_cachestat stat = {0};
    if (syscall(__NR_cachestat, descriptor, &range, &stat, 0) != 0) return -1;
    return (long long)stat.dirty;
}
