/* multicall: run a guest's batch of hypercalls, storing each one's return
 * value in its entry's result field, as Xen does: a failing entry does not
 * stop the batch; a nested multicall gets -EINVAL; an unknown op -ENOSYS;
 * an entry the hypervisor cannot read or whose result it cannot write ends
 * the batch with -EFAULT. 32-bit callers pass 32-bit entries. */
#include <xen/hypercall.h>
#include <xen/lib.h>
#include <asm/hvm/hvm.h>
#include <public/multicall.h>
#include <public/xen.h>
#include <asm/percpu.h>

/* A hypercall runs to its end on the pCPU it started on (blocking happens
 * after it returns), so "inside a batch" is per pCPU. */
static bool in_multicall[NR_CPUS];

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
        ret = do_hypercall(v, op, cargs, compat);
        *inside = false;
        if (compat) {
            uint32_t r = (uint32_t)ret;
            if (copy_to_guest(v, gva + offsetof(struct compat_multicall_entry, result), &r,
                              sizeof(r)))
                return -EFAULT;
        } else {
            uint64_t r = (uint64_t)ret;
            if (copy_to_guest(v, gva + offsetof(struct multicall_entry, result), &r, sizeof(r)))
                return -EFAULT;
        }
        /* A call that ended the vCPU's run (shutdown, crash) ends the batch. */
        if (v->domain->state != DOMSTATE_RUNNING)
            break;
    }
    return 0;
}
