/* physdev_op (hypercall 33): physical IRQ and PCI device operations.
 * Numbers and layouts as Xen's public interface defines them. */
#ifndef PUBLIC_PHYSDEV_H
#define PUBLIC_PHYSDEV_H

#include <public/xen.h>

#define PHYSDEVOP_irq_status_query 5
#define PHYSDEVOP_set_iopl         6
#define PHYSDEVOP_set_iobitmap     7
#define PHYSDEVOP_apic_read        8
#define PHYSDEVOP_apic_write       9
#define PHYSDEVOP_eoi              12
#define PHYSDEVOP_map_pirq         13
#define PHYSDEVOP_unmap_pirq       14
#define PHYSDEVOP_setup_gsi        21
#define PHYSDEVOP_get_free_pirq    23
#define PHYSDEVOP_pci_device_add   25
#define PHYSDEVOP_pirq_eoi_gmfn_v2 28

/* The first member of both map_pirq and unmap_pirq arguments. */
struct physdev_map_pirq {
    domid_t domid;
    int32_t type;
    int32_t index;
    int32_t pirq;
    int32_t bus;
    int32_t devfn;
    int32_t entry_nr;
    uint64_t table_base;
};

struct physdev_unmap_pirq {
    domid_t domid;
    int32_t pirq;
};

#endif
