/* multicall: run a guest's batch of hypercalls, storing each one's return
 * value in its entry's result field, as Xen does: a failing entry does not
 * stop the batch; a nested multicall gets -EINVAL; an unknown op -ENOSYS;
 * an entry the hypervisor cannot read or whose result it cannot write ends
 * the batch with -EFAULT. 32-bit callers pass 32-bit entries.
 *
 * Continuations, as Xen's: between entries the batch may yield, and goes on
 * as a multicall of the entries left (list advanced, count reduced); an
 * entry that yields itself has its op and arguments rewritten in the list to
 * its continuation, and the multicall goes on from that entry. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <asm/hvm/hvm.h>
#include <public/multicall.h>
#include <public/xen.h>
#include <asm/percpu.h>

/* A hypercall runs to its end on the pCPU it started on (blocking happens
 * after it returns), so "inside a batch" is per pCPU. */
static bool in_multicall[NR_CPUS];

/* Write the continuation of the entry at gva (its op and arguments) into
 * the guest's list. */
static int write_entry_continuation(struct vcpu *v, unsigned long gva, bool compat)
{
    if (compat) {
        struct compat_multicall_entry e;

        if (copy_from_guest(v, &e, gva, sizeof(e)))
            return -EFAULT;
        e.op = (uint32_t)v->hcall_nr;
        for (unsigned int a = 0; a < v->hcall_nargs; a++)
            e.args[a] = (uint32_t)v->hcall_args[a];
        return copy_to_guest(v, gva, &e, sizeof(e)) ? -EFAULT : 0;
    } else {
        struct multicall_entry e;

        if (copy_from_guest(v, &e, gva, sizeof(e)))
            return -EFAULT;
        e.op = v->hcall_nr;
        for (unsigned int a = 0; a < v->hcall_nargs; a++)
            e.args[a] = v->hcall_args[a];
        return copy_to_guest(v, gva, &e, sizeof(e)) ? -EFAULT : 0;
    }
}

long do_multicall(struct vcpu *v, const unsigned long *args, bool compat)
{
    unsigned long list = args[0], nr = args[1];
    size_t esz = compat ? sizeof(struct compat_multicall_entry) : sizeof(struct multicall_entry);

    bool *inside = &in_multicall[smp_processor_id()];

    if (*inside)
        return -EINVAL;
    for (unsigned long i = 0; i < nr; i++) {
        unsigned long gva = list + i * esz, cargs[5], op;
        long ret;

        if (i && hypercall_preempt_check(v))
            return hypercall_create_continuation(v, __HYPERVISOR_multicall, 2, gva, nr - i);
        if (compat) {
            struct compat_multicall_entry e;

            if (copy_from_guest(v, &e, gva, sizeof(e)))
                return -EFAULT;
            op = e.op;
            for (unsigned int a = 0; a < 5; a++)
                cargs[a] = e.args[a];
        } else {
            struct multicall_entry e;

            if (copy_from_guest(v, &e, gva, sizeof(e)))
                return -EFAULT;
            op = e.op;
            for (unsigned int a = 0; a < 5; a++)
                cargs[a] = e.args[a];
        }
        *inside = true;
        v->hcall_preempted = false;
        ret = do_hypercall(v, op, cargs, compat);
        *inside = false;
        if (compat) {
            uint32_t r = (uint32_t)ret;
            if (copy_to_guest(v, gva + offsetof(struct compat_multicall_entry, result), &r,
                              sizeof(r))) {
                v->hcall_preempted = false;
                return -EFAULT;
            }
        } else {
            uint64_t r = (uint64_t)ret;
            if (copy_to_guest(v, gva + offsetof(struct multicall_entry, result), &r, sizeof(r))) {
                v->hcall_preempted = false;
                return -EFAULT;
            }
        }
        if (v->hcall_preempted) {
            v->hcall_preempted = false;
            if (write_entry_continuation(v, gva, compat))
                return -EFAULT;
            return hypercall_create_continuation(v, __HYPERVISOR_multicall, 2, gva, nr - i);
        }
        /* A call that ended the vCPU's run (shutdown, crash) ends the batch. */
        if (v->domain->state != DOMSTATE_RUNNING)
            break;
    }
    return 0;
}
