// Process-wide SQLite settings, made through `sqlite3_config` before SQLite initializes.

#include "SQLiteProcessSettings.h"

#include <sqlite3.h>

int herald_sqlite_memory_statistics_off(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
