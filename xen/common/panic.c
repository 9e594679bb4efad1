/* panic(): print the message, the build id and the git revision, a stack
 * trace, stop the other CPUs, then reboot, halt or exit QEMU as configured. */
#include <xen/console.h>
#include <xen/lib.h>
#include <xen/panic.h>
#include <xen/param.h>
#include <xen/power.h>
#include <xen/version.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

volatile bool panicking;
static int panic_cpu = -1;
static bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);
extern bool opt_debug_exit_set;

void panic_start(void)
{
    int me = smp_processor_id(), expected = -1;

    local_irq_disable();
    if (!__atomic_compare_exchange_n(&panic_cpu, &expected, me, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST) &&
        expected != me)
        halt_forever(); /* another CPU is already reporting */
    panicking = true;
    console_force_unlock();
    smp_stop_other_cpus();
}

void __noreturn panic_finish(const char *msg)
{
    printk(XENLOG_ERR "\n****************************************\n");
    printk(XENLOG_ERR "Panic on CPU %u:\n%s\n", smp_processor_id(), msg);
    printk(XENLOG_ERR "Xen %s, changeset %s, build id %s\n", xen_version_string(), xen_changeset(),
           xen_build_id_string());
    printk(XENLOG_ERR "****************************************\n");
    if (opt_debug_exit_set)
        machine_power_off(EXIT_PANIC_VALUE);
    if (opt_noreboot) {
        printk(XENLOG_ERR "noreboot: halting\n");
        machine_halt();
    }
    printk(XENLOG_ERR "Rebooting in 5 seconds...\n");
    mdelay(5000);
    machine_restart();
}

void __noreturn panic(const char *fmt, ...)
{
    static char buf[512];
    va_list args;

    panic_start();
    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    show_stack_trace((unsigned long)__builtin_frame_address(0),
                     (unsigned long)__builtin_return_address(0));
    panic_finish(buf);
}
