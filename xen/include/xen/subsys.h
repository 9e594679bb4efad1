/* What one subsystem provides to another. Each function is defined in
 * exactly one file, named here, and always linked: there are no weak
 * defaults, so a missing subsystem fails the link instead of answering
 * -ENOSYS or doing nothing at run time. */
#ifndef XEN_SUBSYS_H
#define XEN_SUBSYS_H

#include <xen/sched.h>

struct x86_regs;

/* common/event_channel.c */
int evtchn_init(struct domain *d);
void evtchn_destroy(struct domain *d);
bool vcpu_callback_pending(struct vcpu *v);
void vcpu_callback_delivered(struct vcpu *v);
bool vcpu_events_pending(struct vcpu *v);
void send_timer_virq(struct vcpu *v);
long sched_poll(struct vcpu *v, unsigned long arg);

/* common/grant_table.c */
int grant_table_init(struct domain *d);
void grant_table_destroy(struct domain *d);
int gnttab_map_frame(struct domain *d, unsigned long idx, unsigned long gfn);

/* common/memory.c */
int shared_info_init(struct domain *d);
void shared_info_destroy(struct domain *d);
void foreign_map_init(void); /* at boot, before the first domain */

/* common/schedule.c */
int sched_domain_init(struct domain *d);
void sched_domain_destroy(struct domain *d);

/* arch/x86/hvm/platform.c: HPET, IO-APIC, PIC, PIT, RTC of type=hvm
 * domains (nothing for PVH) */
int hvm_platform_init(struct domain *d);
void hvm_platform_destroy(struct domain *d);

/* arch/x86/hvm/svm/svm.c */
void hvm_flush_guest_tlbs(struct domain *d);
/* True (with the reason in *why) when pCPU 0 must not enter guests while
 * other pCPUs run: the scheduler then keeps it for the hypervisor's work. */
bool arch_cpu0_unfit_for_guests(const char **why);
int arch_vcpu_set_hvm_context(struct vcpu *v, const struct x86_regs *r, uint64_t cr3);

#endif
