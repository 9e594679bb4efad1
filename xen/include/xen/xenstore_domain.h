/* The hypervisor's side of the xenstore service domain: the store ring and
 * port each domain gets (common/domain.c), the ports and VIRQ it needs
 * (common/event_channel.c) and foreign mappings (common/memory.c). */
#ifndef XEN_XENSTORE_DOMAIN_H
#define XEN_XENSTORE_DOMAIN_H

#include <xen/sched.h>

/* An unbound port of d that domain `remote` may bind: port or -errno. */
long evtchn_alloc_unbound_port(struct domain *d, domid_t remote);
/* Raise a global VIRQ (e.g. VIRQ_DOM_EXC) in d if it has bound it. */
void send_guest_global_virq(struct domain *d, unsigned int virq);

#endif
