/* Hypercall handlers. Each takes the calling vCPU and its five arguments
 * (already zero-extended for 32-bit callers) and returns the result for
 * RAX: >= 0 on success, a negative errno on failure. Handlers check every
 * argument: bad guest pointers give -EFAULT, bad values -EINVAL, unknown
 * sub-ops -ENOSYS, privileged operations from others -EPERM. */
#ifndef XEN_HYPERCALL_H
#define XEN_HYPERCALL_H

#include <xen/sched.h>

typedef long hypercall_fn_t(struct vcpu *v, const unsigned long *args, bool compat);

hypercall_fn_t do_xen_version, do_console_io, do_sched_op, do_set_timer_op, do_hvm_op, do_vcpu_op,
    do_memory_op, do_event_channel_op, do_grant_table_op, do_sysctl, do_domctl, do_vm_assist,
    do_multicall, do_physdev_op;

/* hvm_op sub-ops other than the parameters (arch/x86/hvm/hvm_op.c). */
long hvm_op_other(struct vcpu *v, unsigned long op, unsigned long arg, bool compat);

long do_hypercall(struct vcpu *v, unsigned long nr, unsigned long args[5], bool compat);

/* Continuations, as Xen's: a handler whose work grows with its arguments
 * asks hypercall_preempt_check() at each iteration after its first; when it
 * says so, the handler records its progress in the call's own arguments
 * with hypercall_create_continuation() (the first nargs arguments of call
 * nr; the others stay as the guest gave them) and returns what that
 * returns. The guest is then re-entered on its hypercall instruction with
 * those arguments, so it re-issues the call, which goes on from there
 * (pending interrupts are delivered first). Inside a multicall, the entry
 * is rewritten instead and the multicall continues from it. */
void hypercall_begin(struct vcpu *v);
bool hypercall_preempt_check(struct vcpu *v);
long hypercall_create_continuation(struct vcpu *v, unsigned long nr, unsigned int nargs, ...);

/* Resolve a domid argument: DOMID_SELF or the caller's own id give the
 * caller's domain; another id needs privilege. NULL with *err set if not. */
struct domain *hypercall_target(struct vcpu *v, unsigned long domid, long *err);

#endif
