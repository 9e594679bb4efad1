/* multicall (hypercall 13): a batch of hypercalls in one trap. Each entry's
 * result receives that call's return value; the batch goes on after a
 * failing entry. 32-bit guests use the same layout with 32-bit fields. */
#ifndef PUBLIC_MULTICALL_H
#define PUBLIC_MULTICALL_H

#include <xen/types.h>

struct multicall_entry {
    uint64_t op, result;
    uint64_t args[6];
};

struct compat_multicall_entry {
    uint32_t op, result;
    uint32_t args[6];
};

#endif
