/* Ticket spinlocks. Locks taken from interrupt handlers must be taken with
 * the _irqsave forms everywhere. */
#ifndef XEN_SPINLOCK_H
#define XEN_SPINLOCK_H

#include <xen/types.h>
#include <asm/processor.h>

typedef struct {
    volatile uint16_t head, tail;
} spinlock_t;

#define SPIN_LOCK_UNLOCKED                                                                         \
    {                                                                                              \
        0, 0                                                                                       \
    }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED

#ifdef HOST_TEST
static inline void spin_lock_wait(spinlock_t *l, uint16_t me)
{
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}
#else
/* The contended path, out of line: it also counts the cycles this pCPU
 * spent waiting (the exit-time accounting tells waiting from work). */
void spin_lock_wait(spinlock_t *l, uint16_t me);
#endif

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        spin_lock_wait(l, me);
}
static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t h = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    uint32_t old = h | ((uint32_t)h << 16), new = h | ((uint32_t)(uint16_t)(h + 1) << 16);
    return __atomic_compare_exchange_n((uint32_t *)l, &old, new, false, __ATOMIC_ACQUIRE,
                                       __ATOMIC_RELAXED);
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->head, l->head + 1, __ATOMIC_RELEASE);
}
static inline bool spin_is_locked(spinlock_t *l)
{
    return l->head != l->tail;
}
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = local_irq_save();
    spin_lock(l);
    return f;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    spin_unlock(l);
    local_irq_restore(f);
}

#endif
