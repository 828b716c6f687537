"""Which kind of thread a Herald or memcached thread is, from its name (/proc/…/comm): shared by
bench/threads.sh and bench/wakeups.sh, so that both tell the threads apart the same way."""

# First matching prefix wins. NIO-SGLTN-1-#0 and #1 are both event loops.
KINDS = (
    ("NIO-", "event loops"),
    ("herald-writer", "SQLite writer"),
    ("SGLTN-TP-", "SQLite reads (NIO's pool)"),
    ("TP-", "libmemcached workers"),
    ("herald-wal-ckpt", "checkpointer"),
    ("mc-worker", "memcached: its workers"),
    ("mc-", "memcached: its background threads"),
    ("memcached", "memcached: its background threads"),
)
OTHER = "other (Swift's pool, main)"


def kind(name):
    """The kind of the thread named `name`."""
    for prefix, found in KINDS:
        if name.startswith(prefix):
            return found
    return OTHER
