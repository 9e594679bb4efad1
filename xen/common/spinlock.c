/* The contended path of spin_lock (see xen/spinlock.h). */
#include <xen/spinlock.h>
#include <asm/percpu.h>

void spin_lock_wait(spinlock_t *l, uint16_t me)
{
    struct cpu_info *ci = this_cpu();
    uint64_t t0 = rdtsc(), before = ci->spin_cycles, spent;

    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
    spent = rdtsc() - t0;
    /* Set, not added: an interrupt handler's own wait during this one is
     * part of it, and counted once. */
    ci->spin_cycles = before + spent;
    if (spent > ci->spin_max) {
        ci->spin_max = spent;
        ci->spin_max_lock = l;
        ci->spin_max_from = __builtin_return_address(0);
    }
}
