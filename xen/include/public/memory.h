/* memory_op (hypercall 12): sub-op numbers and argument structures as
 * Xen's public interface defines them. Structures with guest pointers or
 * xen_ulong_t fields differ between 64-bit guests and 32-bit ones (compat_*
 * here). */
#ifndef PUBLIC_MEMORY_H
#define PUBLIC_MEMORY_H

#include <public/xen.h>

#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page     2
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_machphys_mfn_list    5
#define XENMEM_populate_physmap     6
#define XENMEM_add_to_physmap       7
#define XENMEM_memory_map           9
#define XENMEM_machine_memory_map   10
#define XENMEM_exchange             11
#define XENMEM_set_memory_map       13
#define XENMEM_remove_from_physmap  15
#define XENMEM_add_to_physmap_batch 23

/* The low bits of the command are the sub-op; the rest carry a
 * continuation's start extent. */
#define MEMOP_CMD_MASK     0x3f
#define MEMOP_EXTENT_SHIFT 6

struct xen_memory_reservation {
    uint64_t extent_start; /* guest pointer to xen_pfn_t[] */
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
    uint16_t pad[3];
};

struct compat_memory_reservation {
    uint32_t extent_start;
    uint32_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
    uint16_t pad;
};

#define XENMAPSPACE_shared_info  0
#define XENMAPSPACE_grant_table  1
#define XENMAPSPACE_gmfn         2
#define XENMAPSPACE_gmfn_range   3
#define XENMAPSPACE_gmfn_foreign 4
#define XENMAPSPACE_dev_mmio     5

struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};

struct compat_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint32_t idx;
    uint32_t gpfn;
};

/* XENMEM_add_to_physmap_batch: size entries, idxs[i] of the space at
 * gpfns[i], a status per entry in errs[i]. */
struct xen_add_to_physmap_batch {
    domid_t domid;
    uint16_t space;
    uint16_t size;
    domid_t foreign_domid; /* XENMAPSPACE_gmfn_foreign: whose frames */
    uint64_t idxs;         /* guest pointer to xen_ulong_t[] */
    uint64_t gpfns;        /* guest pointer to xen_pfn_t[] */
    uint64_t errs;         /* guest pointer to int[] */
};

struct compat_add_to_physmap_batch {
    domid_t domid;
    uint16_t space;
    uint16_t size;
    domid_t foreign_domid;
    uint32_t idxs;
    uint32_t gpfns;
    uint32_t errs;
};

/* XENMEM_remove_from_physmap */
struct xen_remove_from_physmap {
    domid_t domid;
    uint16_t pad[3];
    uint64_t gpfn;
};

struct compat_remove_from_physmap {
    domid_t domid;
    uint16_t pad;
    uint32_t gpfn;
};

struct xen_memory_map {
    uint32_t nr_entries;
    uint32_t pad;
    uint64_t buffer; /* guest pointer to struct e820entry[] */
};

struct compat_memory_map {
    uint32_t nr_entries;
    uint32_t buffer;
};

/* An entry of the guest's memory map, as the e820 BIOS call gives it
 * (packed: 20 bytes). */
struct e820entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));

#define E820_RAM      1
#define E820_ACPI     3
#define E820_RESERVED 2

#endif
