/* Ending the machine: power off, reboot, and the test exit device. */
#ifndef XEN_POWER_H
#define XEN_POWER_H

#include <xen/types.h>

/* Exit values written to the isa-debug-exit port (QEMU exits with
 * status (value << 1) | 1). */
#define EXIT_SUCCESS_VALUE 0 /* every domain powered off cleanly (status 1) */
#define EXIT_FAILURE_VALUE 1 /* some domain crashed or ended otherwise (status 3) */
#define EXIT_PANIC_VALUE   2 /* the hypervisor panicked (status 5) */

void __noreturn machine_power_off(unsigned int exit_value);
void __noreturn machine_restart(void);
void __noreturn machine_halt(void);
void smp_stop_other_cpus(void);

#endif
