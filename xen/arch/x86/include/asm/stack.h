/* Primary-stack guard and depth measurement (arch/x86/stack.c). */
#ifndef ASM_STACK_H
#define ASM_STACK_H

void stack_guard_init(unsigned int cpu, unsigned long up_to);
void stack_guard_init_self(void);
void stack_guard_check(void);                    /* panics when this CPU's guard is gone */
unsigned long stack_depth_max(unsigned int cpu); /* deepest use, in bytes */

#endif
