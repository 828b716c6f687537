#ifndef HERALD_SQLITE_PROCESS_SETTINGS_H
#define HERALD_SQLITE_PROCESS_SETTINGS_H

/// Turns off SQLite's memory statistics for the whole process (`SQLITE_CONFIG_MEMSTATUS` 0).
/// `sqlite3_config` takes variable arguments, which Swift cannot call. Only possible before SQLite
/// initializes: returns an SQLite result code, 0 (SQLITE_OK) when the setting took, SQLITE_MISUSE
/// when SQLite had already initialized.
int herald_sqlite_memory_statistics_off(void);

#endif
