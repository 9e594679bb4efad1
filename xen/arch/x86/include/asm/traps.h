/* Exceptions, interrupts and their handlers. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <asm/processor.h>

#define TRAP_divide_error  0
#define TRAP_debug         1
#define TRAP_nmi           2
#define TRAP_int3          3
#define TRAP_double_fault  8
#define TRAP_gp_fault      13
#define TRAP_page_fault    14
#define TRAP_machine_check 18

/* Interrupt vectors the hypervisor uses. */
#define TIMER_VECTOR       0xf0
#define EVENT_CHECK_VECTOR 0xf1 /* IPI: reschedule / softirq */
#define CALL_FUNC_VECTOR   0xf2 /* IPI: run a function */
#define SPURIOUS_VECTOR    0xff
#define PIT_VECTOR         0x20 /* legacy PIC base, masked */

typedef void (*irq_handler_t)(struct cpu_user_regs *regs);
void set_irq_handler(unsigned int vector, irq_handler_t fn);
void trap_init(void);                     /* IDT for the boot CPU */
void percpu_traps_init(unsigned int cpu); /* GDT/TSS/IST for a CPU */
void show_registers(const struct cpu_user_regs *regs);
void show_stack_trace(unsigned long rbp, unsigned long rip);
void __noreturn fatal_trap(const struct cpu_user_regs *regs, const char *why);

/* rdmsr that returns false instead of faulting on an unknown MSR. */
bool rdmsr_safe(uint32_t msr, uint64_t *val);
bool wrmsr_safe(uint32_t msr, uint64_t val);

#endif
