/* Event channels inside the hypervisor (common/event_channel.c), and the
 * shared info page they signal through (common/memory.c). */
#ifndef XEN_EVENT_H
#define XEN_EVENT_H

#include <xen/sched.h>
#include <public/event_channel.h>

/* Raise a port of domain d as if its peer had sent on it (for hypervisor
 * services such as consoles and xenstore): 0, or -EINVAL if the port is
 * not bound. */
int evtchn_notify(struct domain *d, evtchn_port_t port);
/* Send a per-vCPU or global virtual IRQ if the guest bound it. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/* Close every port of d; peers' ends go back to unbound. */
void evtchn_close_all(struct domain *d);
/* Take d's shared info page away (closing its ports first) so that no
 * delivery touches it any more, then free it with free_page. */
void evtchn_detach_shared_info(struct domain *d, void (*free_page)(void *));
/* Number of usable ports: 4096 with the 64-bit shared info layout, 1024
 * with the 32-bit one. */
unsigned int evtchn_max_ports(const struct domain *d);
/* Record whether the guest uses the 32-bit shared info layout (latched when
 * it maps shared info, or at its first event channel call before that). */
void shared_info_latch_layout(struct domain *d, bool compat);
bool shared_info_is_compat(const struct domain *d);
/* v's vcpu_info (registered area or shared info slot), or NULL if none is
 * mapped; the 64- and 32-bit layouts are both 64 bytes. */
void *vcpu_info_ptr(struct vcpu *v);
/* VCPUOP_register_vcpu_info's move: copy the current contents to the new
 * place and mark everything pending there, under the delivery lock. */
void evtchn_move_vcpu_info(struct vcpu *v, unsigned long gfn, unsigned int offset);
/* Copy v's runstate to the area the guest registered, if any. */
void vcpu_runstate_area_update(struct vcpu *v);
/* Refresh vcpu_info.time of v (version, TSC stamp, system time, scale). */
void shared_info_update_time(struct vcpu *v);

#endif
