/* hvm_op and HVM parameters. */
#ifndef PUBLIC_HVM_PARAMS_H
#define PUBLIC_HVM_PARAMS_H

#include <public/xen.h>

#define HVMOP_set_param                0
#define HVMOP_get_param                1
#define HVMOP_set_evtchn_upcall_vector 23

/* A vector of its own for a vCPU's event upcall, raised through its local
 * APIC (so the guest acknowledges it with an EOI). */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
};

struct xen_hvm_param {
    domid_t domid;
    uint16_t pad;
    uint32_t index;
    uint64_t value;
};

#define HVM_PARAM_CALLBACK_IRQ   0
#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_PAE_ENABLED    4
#define HVM_PARAM_CONSOLE_PFN    17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS            39

/* CALLBACK_IRQ value type in bits 63:56; type 2 is a vector in bits 7:0. */
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2

#endif
