#ifndef HERALD_FILE_WRITEBACK_H
#define HERALD_FILE_WRITEBACK_H

/// Starts writing every page of the open file `descriptor` that is written and not yet on the disk,
/// without waiting for the disk (Linux `sync_file_range` with `SYNC_FILE_RANGE_WRITE`, which
/// Swift's Glibc module does not declare). Returns 0, or -1 with `errno` set.
int herald_start_writeback(int descriptor);

/// The pages of the open file `descriptor` in the page cache that are written and not yet on the
/// disk, not counting those being written (Linux `cachestat`, 6.5 and later; for tests and tools).
/// Returns the count, or -1 with `errno` set (`ENOSYS` on an older kernel).
long long herald_dirty_pages(int descriptor);

#endif
