/* Primary-stack overflow detection and depth measurement.
 *
 * Every CPU runs on one 16 KiB stack (interrupts nest on it). A frame that
 * runs past its bottom writes over whatever lies below: the boot stack sits
 * above page tables in the image, an AP stack above other heap blocks, so an
 * overflow corrupts unrelated state long before anything faults. Each stack
 * is filled with a pattern while nothing uses it; the lowest STACK_GUARD
 * bytes must keep it, and are checked on every scheduling pass and timer
 * interrupt, so an overflow stops the host at once, naming the CPU. The
 * deepest use is the distance from the top to the highest overwritten word. */
#include <xen/lib.h>
#include <asm/config.h>
#include <asm/percpu.h>
#include <asm/stack.h>

#define STACK_FILL  0x5ac5ac5ac5ac5ac5ULL
#define STACK_GUARD 256

static uint64_t *stack_bottom(unsigned int cpu)
{
    return (uint64_t *)(per_cpu(cpu)->stack_top - STACK_SIZE);
}

/* Fill [bottom, up_to) with the pattern: up_to is the stack's top for a
 * stack nobody runs on yet, the caller's own frame for the running one. */
void stack_guard_init(unsigned int cpu, unsigned long up_to)
{
    for (uint64_t *p = stack_bottom(cpu); (unsigned long)p < up_to; p++)
        *p = STACK_FILL;
}

void stack_guard_init_self(void)
{
    unsigned long sp = (unsigned long)__builtin_frame_address(0);

    stack_guard_init(smp_processor_id(), sp - 512); /* below this frame's callees */
}

void stack_guard_check(void)
{
    unsigned int cpu = smp_processor_id();
    const uint64_t *p = stack_bottom(cpu);

    if (!per_cpu(cpu)->stack_top)
        return;
    for (unsigned int i = 0; i < STACK_GUARD / sizeof(*p); i++)
        if (p[i] != STACK_FILL)
            panic("CPU%u: stack overflow: the guard at %p was overwritten (%#lx)", cpu,
                  (const void *)&p[i], (unsigned long)p[i]);
}

unsigned long stack_depth_max(unsigned int cpu)
{
    const uint64_t *p = stack_bottom(cpu), *end = p + STACK_SIZE / sizeof(*p);

    if (!per_cpu(cpu)->stack_top)
        return 0;
    while (p < end && *p == STACK_FILL)
        p++;
    return (unsigned long)((const char *)end - (const char *)p);
}
