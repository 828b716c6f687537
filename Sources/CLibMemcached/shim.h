#ifndef HERALD_CLIBMEMCACHED_SHIM_H
#define HERALD_CLIBMEMCACHED_SHIM_H

#include <stdlib.h>
#include <libmemcached/memcached.h>
#include <libmemcached/util.h>

#endif
