/* The PV console ring shared between a guest and its console backend: one
 * page, input (backend to guest) and output (guest to backend) byte rings
 * with free-running 32-bit indices; an index is reduced modulo its ring's
 * size. The event channel HVM_PARAM_CONSOLE_EVTCHN signals the other end. */
#ifndef PUBLIC_IO_CONSOLE_H
#define PUBLIC_IO_CONSOLE_H

#include <xen/types.h>

typedef uint32_t XENCONS_RING_IDX;

struct xencons_interface {
    char in[1024];
    char out[2048];
    XENCONS_RING_IDX in_cons, in_prod;
    XENCONS_RING_IDX out_cons, out_prod;
};

#endif
