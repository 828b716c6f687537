// A SQLite VFS layered over the default one that joins the writes of one WAL append.
//
// SQLite writes every WAL frame as two writes, the 24-byte frame header and then the page, so a
// transaction that changes nine pages makes eighteen `pwrite` calls. This layer holds a frame's
// pieces back and writes them together with the next, so a transaction's frames reach the file
// in one call, before the call that wrote its commit frame returns. Files other than WALs are
// passed straight through.
//
// The one rule that matters: nothing is ever held once a commit frame has been written. SQLite
// makes a transaction visible to other connections (the wal-index header in shared memory) only
// after the commit frame's write returned, and a process that dies after that must leave every
// frame of the transaction in the file. So:
//
// - a frame header (24 bytes past the 32-byte WAL header) or the WAL header itself is held, except
//   a commit frame's header with nothing held before it, which goes straight through;
// - a write that continues what is held is added to it, and if that completes a commit frame (the
//   header held last had the commit mark: a non-zero database size) everything goes out at once
//   and the write reports that call's result;
// - a write anywhere else first writes out what is held, then goes straight through;
// - every other call on the WAL (read, sync, truncate, size, file control, fetch, close) first
//   writes out what is held.
//
// SQLite's own rewrites of frame headers after a transaction overwrote one of its frames in place
// (walRewriteChecksums) read each frame before writing its header, so the read writes out the
// header held before, and the last header, the commit frame's, comes with nothing held and goes
// straight through. A transaction that rolls back after spilling frames leaves at most frames that
// were never committed held, which is what SQLite itself would have left in the file.

#include "WALWriteBuffer.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum {
    walHeaderSize = 32,
    frameHeaderSize = 24,
    initialCapacity = 64 * 1024,
    // The unix VFS writes at most 128 KiB - 1 bytes per call (it masks the length with 0x1ffff,
    // and a length that masks to 0 fails as SQLITE_FULL), so joined writes stay below that.
    maximumCapacity = 128 * 1024 - 1,
};

typedef struct BufferedFile {
    sqlite3_file base;
    sqlite3_io_methods methods;  // ours, at the version of the file below
    sqlite3_file *real;          // the default VFS's file, right after this struct
    unsigned char *bytes;        // held writes, contiguous from `start`
    size_t length;
    size_t capacity;
    sqlite3_int64 start;
    int commitHeaderHeld;        // the last held write is a commit frame's header
    sqlite3_int64 commitPage;    // where the page of the last frame header goes, if a commit's (0: none)
    sqlite3_int64 syncedHeader;  // the header of the commit synced last, until a page is written (0: none)
    int syncCommit;              // sync the WAL once the next commit frame is written
    int commitSynced;            // syncs made for the commit asked for since it was (its own, a rewrite's)
} BufferedFile;

static sqlite3_vfs *underlying;
static sqlite3_vfs layer;
static atomic_uint_fast64_t heldWrites;
static atomic_uint_fast64_t joinedWrites;
static atomic_uint_fast64_t syncedCommits;

static BufferedFile *buffered(sqlite3_file *file) { return (BufferedFile *)file; }

/// Writes out what is held (if anything) in one call.
static int writeHeld(BufferedFile *file) {
    if (file->length == 0) return SQLITE_OK;
    int rc = file->real->pMethods->xWrite(file->real, file->bytes, (int)file->length, file->start);
    file->length = 0;
    file->commitHeaderHeld = 0;
    atomic_fetch_add_explicit(&joinedWrites, 1, memory_order_relaxed);
    return rc;
}

/// Appends to what is held; 0 when there is no room (the caller writes straight through).
static int hold(BufferedFile *file, const void *data, int amount, sqlite3_int64 offset) {
    size_t needed = file->length + (size_t)amount;
    if (needed > file->capacity) {
        if (needed > maximumCapacity) return 0;
        size_t capacity = file->capacity == 0 ? initialCapacity : file->capacity;
        while (capacity < needed) capacity *= 2;
        if (capacity > maximumCapacity) capacity = maximumCapacity;
        unsigned char *bytes = realloc(file->bytes, capacity);
        if (bytes == NULL) return 0;
        file->bytes = bytes;
        file->capacity = capacity;
    }
    if (file->length == 0) file->start = offset;
    memcpy(file->bytes + file->length, data, (size_t)amount);
    file->length = needed;
    atomic_fetch_add_explicit(&heldWrites, 1, memory_order_relaxed);
    return 1;
}

static int walAppend(sqlite3_file *pFile, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = buffered(pFile);
    int continues = file->length > 0 && offset == file->start + (sqlite3_int64)file->length;
    if (file->length > 0 && !continues) {
        int rc = writeHeld(file);
        if (rc != SQLITE_OK) return rc;
    }
    const unsigned char *bytes = data;
    if (amount == frameHeaderSize && offset >= walHeaderSize) {
        int commit = (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
        if (!(commit && !continues) && hold(file, data, amount, offset)) {
            file->commitHeaderHeld = commit;
            return SQLITE_OK;
        }
    } else if (amount == walHeaderSize && offset == 0) {
        if (hold(file, data, amount, offset)) return SQLITE_OK;
    } else if (continues) {
        int completesCommit = file->commitHeaderHeld;
        if (hold(file, data, amount, offset)) {
            file->commitHeaderHeld = 0;
            return completesCommit ? writeHeld(file) : SQLITE_OK;
        }
    }
    // Not held: what is held goes first, so the file sees the writes in SQLite's order.
    int rc = writeHeld(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xWrite(file->real, data, amount, offset);
}

// A commit asked to be synced (HERALD_FCNTL_SYNC_NEXT_COMMIT) is synced as its commit frame's page
// is written, before the write returns: SQLite publishes the transaction to other connections only
// after that, so no connection ever reads it before it is on the disk. A transaction that
// overwrote one of its own frames has SQLite rewrite the frame headers from that one to the commit
// frame's (walRewriteChecksums, after the frames and before the point where synchronous = FULL
// syncs): the rewrite of the synced commit's header, the last of them, is synced again. A failed
// sync fails the write, and with it the commit.
static int syncReal(BufferedFile *file) {
    int rc = writeHeld(file);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xSync(file->real, SQLITE_SYNC_NORMAL);
}

static int walWrite(sqlite3_file *pFile, const void *data, int amount, sqlite3_int64 offset) {
    BufferedFile *file = buffered(pFile);
    if (offset < walHeaderSize) {  // the WAL starts over
        file->commitPage = 0;
        file->syncedHeader = 0;
        return walAppend(pFile, data, amount, offset);
    }
    if (amount == frameHeaderSize) {
        const unsigned char *bytes = data;
        int commit = (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
        file->commitPage = commit ? offset + frameHeaderSize : 0;
        int rc = walAppend(pFile, data, amount, offset);
        if (rc != SQLITE_OK || offset != file->syncedHeader) return rc;
        file->syncedHeader = 0;
        rc = syncReal(file);  // the synced commit's header rewritten: the rewrite is whole
        if (rc == SQLITE_OK) file->commitSynced += 1;
        return rc;
    }
    int completesCommit = file->commitPage != 0 && offset == file->commitPage;
    file->commitPage = 0;
    file->syncedHeader = 0;
    int rc = walAppend(pFile, data, amount, offset);
    if (rc != SQLITE_OK || !completesCommit || !file->syncCommit) return rc;
    rc = syncReal(file);
    if (rc != SQLITE_OK) return rc;
    file->syncCommit = 0;
    file->commitSynced = 1;
    file->syncedHeader = offset - frameHeaderSize;
    atomic_fetch_add_explicit(&syncedCommits, 1, memory_order_relaxed);
    return SQLITE_OK;
}

// Calls that pass straight through (after writing out what a WAL holds).

#define REAL(file) (buffered(file)->real)
#define FLUSHED(file)                                      \
    do {                                                   \
        if (buffered(file)->length > 0) {                  \
            int flushRC = writeHeld(buffered(file));       \
            if (flushRC != SQLITE_OK) return flushRC;      \
        }                                                  \
    } while (0)

static int layerClose(sqlite3_file *file) {
    int flushRC = writeHeld(buffered(file));
    free(buffered(file)->bytes);
    buffered(file)->bytes = NULL;
    buffered(file)->capacity = 0;
    int rc = REAL(file)->pMethods->xClose(REAL(file));
    return flushRC != SQLITE_OK ? flushRC : rc;
}

static int layerRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    FLUSHED(file);
    return REAL(file)->pMethods->xRead(REAL(file), data, amount, offset);
}

static int layerWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    return REAL(file)->pMethods->xWrite(REAL(file), data, amount, offset);
}

static int layerTruncate(sqlite3_file *file, sqlite3_int64 size) {
    FLUSHED(file);
    return REAL(file)->pMethods->xTruncate(REAL(file), size);
}

static int layerSync(sqlite3_file *file, int flags) {
    FLUSHED(file);
    return REAL(file)->pMethods->xSync(REAL(file), flags);
}

static int layerFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    FLUSHED(file);
    return REAL(file)->pMethods->xFileSize(REAL(file), size);
}

static int layerLock(sqlite3_file *file, int level) { return REAL(file)->pMethods->xLock(REAL(file), level); }

static int layerUnlock(sqlite3_file *file, int level) { return REAL(file)->pMethods->xUnlock(REAL(file), level); }

static int layerCheckReservedLock(sqlite3_file *file, int *result) {
    return REAL(file)->pMethods->xCheckReservedLock(REAL(file), result);
}

static int layerFileControl(sqlite3_file *file, int op, void *argument) {
    if (op == HERALD_FCNTL_SYNC_NEXT_COMMIT || op == HERALD_FCNTL_COMMIT_SYNCED) {
        BufferedFile *wal = buffered(file);
        if (wal->methods.xWrite != walWrite) return SQLITE_NOTFOUND;  // not a WAL
        if (op == HERALD_FCNTL_SYNC_NEXT_COMMIT) {
            wal->syncCommit = 1;
            wal->commitSynced = 0;
        } else {
            *(int *)argument = wal->commitSynced;
            wal->commitSynced = 0;
        }
        return SQLITE_OK;
    }
    FLUSHED(file);
    int rc = REAL(file)->pMethods->xFileControl(REAL(file), op, argument);
    if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
        // The chain of VFS names, this layer's first (%z frees the name below).
        char **name = argument;
        *name = sqlite3_mprintf("%s/%z", layer.zName, *name);
    }
    return rc;
}

static int layerSectorSize(sqlite3_file *file) { return REAL(file)->pMethods->xSectorSize(REAL(file)); }

static int layerDeviceCharacteristics(sqlite3_file *file) {
    return REAL(file)->pMethods->xDeviceCharacteristics(REAL(file));
}

static int layerShmMap(sqlite3_file *file, int page, int size, int extend, void volatile **pointer) {
    return REAL(file)->pMethods->xShmMap(REAL(file), page, size, extend, pointer);
}

static int layerShmLock(sqlite3_file *file, int offset, int count, int flags) {
    return REAL(file)->pMethods->xShmLock(REAL(file), offset, count, flags);
}

static void layerShmBarrier(sqlite3_file *file) { REAL(file)->pMethods->xShmBarrier(REAL(file)); }

static int layerShmUnmap(sqlite3_file *file, int deleteFlag) {
    return REAL(file)->pMethods->xShmUnmap(REAL(file), deleteFlag);
}

static int layerFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **pointer) {
    FLUSHED(file);
    return REAL(file)->pMethods->xFetch(REAL(file), offset, amount, pointer);
}

static int layerUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *pointer) {
    return REAL(file)->pMethods->xUnfetch(REAL(file), offset, pointer);
}

static const sqlite3_io_methods layerMethods = {
    3,
    layerClose,
    layerRead,
    layerWrite,
    layerTruncate,
    layerSync,
    layerFileSize,
    layerLock,
    layerUnlock,
    layerCheckReservedLock,
    layerFileControl,
    layerSectorSize,
    layerDeviceCharacteristics,
    layerShmMap,
    layerShmLock,
    layerShmBarrier,
    layerShmUnmap,
    layerFetch,
    layerUnfetch,
};

static int layerOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *pFile, int flags, int *outFlags) {
    (void)vfs;
    BufferedFile *file = buffered(pFile);
    memset(file, 0, sizeof(*file));
    file->real = (sqlite3_file *)(file + 1);
    int rc = underlying->xOpen(underlying, name, file->real, flags, outFlags);
    // SQLite calls xClose whenever pMethods is set after xOpen, even after a failed open.
    if (file->real->pMethods == NULL) {
        file->base.pMethods = NULL;
        return rc;
    }
    file->methods = layerMethods;
    // Offer exactly the versions of the file below (SQLite checks iVersion before newer calls).
    file->methods.iVersion = file->real->pMethods->iVersion < 3 ? file->real->pMethods->iVersion : 3;
    if (flags & SQLITE_OPEN_WAL) file->methods.xWrite = walWrite;
    file->base.pMethods = &file->methods;
    return rc;
}

int herald_wal_buffer_install(void) {
    static int installed;
    if (installed) return SQLITE_OK;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK) return rc;
    underlying = sqlite3_vfs_find(NULL);
    if (underlying == NULL) return SQLITE_ERROR;
    layer = *underlying;
    layer.zName = "herald-wal-buffer";
    layer.pNext = NULL;
    // Keep the layer's header 8-byte aligned so the file below it is.
    layer.szOsFile = (int)((sizeof(BufferedFile) + 7) & ~(size_t)7) + underlying->szOsFile;
    layer.xOpen = layerOpen;
    rc = sqlite3_vfs_register(&layer, 1);
    if (rc == SQLITE_OK) installed = 1;
    return rc;
}

void herald_wal_buffer_statistics(uint64_t *held, uint64_t *joined, uint64_t *synced) {
    *held = atomic_load_explicit(&heldWrites, memory_order_relaxed);
    *joined = atomic_load_explicit(&joinedWrites, memory_order_relaxed);
    *synced = atomic_load_explicit(&syncedCommits, memory_order_relaxed);
}
