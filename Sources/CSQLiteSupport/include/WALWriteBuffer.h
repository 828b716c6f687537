#ifndef HERALD_WAL_WRITE_BUFFER_H
#define HERALD_WAL_WRITE_BUFFER_H

#include <stdint.h>

/// Registers the "herald-wal-buffer" SQLite VFS as the process's default: a thin layer over the
/// default VFS that joins the writes of one WAL append into one write. Returns an SQLite result code
/// (0 is SQLITE_OK). Call before opening connections; calling it again does nothing.
int herald_wal_buffer_install(void);

/// How many WAL writes the layer held back to join with the next, and how many joined writes it made.
void herald_wal_buffer_statistics(uint64_t *held, uint64_t *joined);

#endif
