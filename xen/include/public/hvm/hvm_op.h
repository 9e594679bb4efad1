/* hvm_op (hypercall 34) sub-operations beyond the parameters (params.h).
 * Numbers and layouts as Xen's public interface defines them. */
#ifndef PUBLIC_HVM_HVM_OP_H
#define PUBLIC_HVM_HVM_OP_H

#include <public/xen.h>

#define HVMOP_flush_tlbs             5
#define HVMOP_pagetable_dying        9
#define HVMOP_get_time               10
#define HVMOP_xentrace               11
#define HVMOP_get_mem_type           15
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m                 25

struct xen_hvm_pagetable_dying {
    domid_t domid;
    uint16_t pad[3];
    uint64_t gpa;
};

struct xen_hvm_get_time {
    uint64_t now; /* system time, ns */
};

struct xen_hvm_xentrace {
    uint16_t event, extra_bytes;
    uint8_t extra_data[7 * sizeof(uint32_t)];
};
#define TRC_SUBCLS_SHIFT 12

#define HVMMEM_ram_rw  0
#define HVMMEM_ram_ro  1
#define HVMMEM_mmio_dm 2

struct xen_hvm_get_mem_type {
    domid_t domid;
    uint16_t mem_type;
    uint16_t pad[2];
    uint64_t pfn;
};

#endif
