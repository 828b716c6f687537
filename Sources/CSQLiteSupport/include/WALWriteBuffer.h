#ifndef HERALD_WAL_WRITE_BUFFER_H
#define HERALD_WAL_WRITE_BUFFER_H

#include <stdint.h>

/// Registers the "herald-wal-buffer" SQLite VFS as the process's default: a thin layer over the
/// default VFS that joins the writes of one WAL append into one write. Returns an SQLite result code
/// (0 is SQLITE_OK). Call before opening connections; calling it again does nothing.
int herald_wal_buffer_install(void);

/// A file control (`sqlite3_file_control` on a connection's WAL, which
/// `SQLITE_FCNTL_JOURNAL_POINTER` gives) that has the layer sync the WAL as the connection's next
/// commit frame is written, before SQLite publishes the transaction; no argument.
#define HERALD_FCNTL_SYNC_NEXT_COMMIT 0x48524c01
/// A file control that tells (an `int *`) how many syncs the layer made for the commit the last
/// HERALD_FCNTL_SYNC_NEXT_COMMIT asked for (0: not written yet; 1; 2 when SQLite rewrote the
/// transaction's frame headers after its commit frame), and clears it.
#define HERALD_FCNTL_COMMIT_SYNCED 0x48524c02

/// How many WAL writes the layer held back to join with the next, how many joined writes it made,
/// and how many commits it synced as asked.
void herald_wal_buffer_statistics(uint64_t *held, uint64_t *joined, uint64_t *synced);

#endif
