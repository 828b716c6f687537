"""Which pages Herald's transactions write: reads a copy of a database and its WAL, splits the WAL's
frames into transactions (a frame that records the database size ends one) and names each frame's
page by the table or index that owns it now (SQLite's `dbstat`).

    python3 bench/wal_census.py DATABASE WAL [WRITES_PER_TRANSACTION]

Every transaction writes whole pages to the WAL (4 KB each, plus a 24-byte frame header), however
little of a page it changed, and the checkpointer later copies them into the database file: these
are the bytes the VM's disk takes per transaction (`bench/stalls.sh`). Frames of an earlier
generation of the WAL (before the checkpointer restarted it) still lie past the current one's end;
they are whole transactions too and are counted. With WRITES_PER_TRANSACTION (from Herald's
/metrics) the pages are also given per write.
"""

import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

FRAME_HEADER = 24


def transactions(wal):
    """The WAL's transactions, each the list of page numbers its frames wrote, and the page size."""
    with open(wal, "rb") as file:
        data = file.read()
    page_size = struct.unpack(">I", data[8:12])[0]
    found, current, salts = [], [], None
    offset = 32
    while offset + FRAME_HEADER + page_size <= len(data):
        page, size_after_commit, salt1, salt2 = struct.unpack(">IIII", data[offset : offset + 16])
        if (salt1, salt2) != salts:  # another generation: a transaction cut short there is dropped
            salts, current = (salt1, salt2), []
        current.append(page)
        if size_after_commit:
            found.append(current)
            current = []
        offset += FRAME_HEADER + page_size
    return found, page_size


def owners(database, wal):
    """Page number → the table or index that owns it, read from a scratch copy of the pair (opening
    it applies the WAL, which must not touch the files a server still has open)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, "census.sqlite")
        shutil.copyfile(database, copy)
        shutil.copyfile(wal, copy + "-wal")
        connection = sqlite3.connect(copy)
        try:
            return dict((page, name) for name, page in connection.execute("SELECT name, pageno FROM dbstat"))
        finally:
            connection.close()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    database, wal = sys.argv[1], sys.argv[2]
    writes = float(sys.argv[3]) if len(sys.argv) == 4 and sys.argv[3] else None  # empty: none counted
    found, page_size = transactions(wal)
    if not found:
        sys.exit("no committed transaction in the WAL")
    names = owners(database, wal)
    # Page 1 starts with the database header, which records the file's size in pages: a transaction
    # that grows the file writes it again, whatever else page 1 holds (the schema table).
    names[1] = "page 1: the header (the file grew)"
    pages = collections.Counter(names.get(page, "(free or new since)") for found_pages in found for page in found_pages)
    total = sum(pages.values())
    per_transaction = total / len(found)
    line = f"{len(found)} transactions in the WAL: {per_transaction:.2f} pages each"
    line += f" ({per_transaction * (page_size + FRAME_HEADER) / 1024:.1f} KB)"
    if writes:
        line += f"; {writes:.2f} writes each, so {per_transaction / writes:.2f} pages per write"
    print(line)
    print()
    print("| table or index | pages per transaction | share |")
    print("|---|---|---|")
    for name, count in pages.most_common():
        print(f"| {name} | {count / len(found):.2f} | {count / total:.0%} |")


if __name__ == "__main__":
    main()
