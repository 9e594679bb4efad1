/* Power off, reboot and halt. Power off uses the isa-debug-exit device when
 * `debug_exit=PORT` is given (QEMU test runs), then ACPI S5; reboot uses the
 * ACPI reset register, then the keyboard controller, then a triple fault. */
#include <xen/acpi.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/power.h>
#include <xen/string.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/stack.h>
#include <asm/traps.h>

static unsigned int opt_debug_exit;
unsigned_param("debug_exit", opt_debug_exit, 1, 0xffff);
bool opt_debug_exit_set;

void power_postparse(void)
{
    opt_debug_exit_set = opt_debug_exit != 0;
}

/* debug_exit= alone, read from the loader's command line before anything
 * else, so that a boot refused at its first step (bad loader information,
 * too many modules, a command line too long) still powers off with a
 * failure status instead of halting. Problems are left to the full parse. */
void power_early_parse(const char *cmdline)
{
    static const struct param early[] = {
        {.name = "debug_exit", .type = PARAM_UINT, .var = &opt_debug_exit, .min = 1, .max = 0xffff},
    };
    static char copy[4096];

    if (!cmdline)
        return;
    strlcpy(copy, cmdline, sizeof(copy));
    cmdline_parse(copy, early, early + 1, NULL);
    power_postparse();
}

void smp_stop_other_cpus(void)
{
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        struct cpu_info *ci = per_cpu(c);

        if (ci->online && c != smp_processor_id()) {
            ci->dump_request = false;
            apic_send_nmi(ci->apic_id); /* the NMI handler halts unless asked to dump */
        }
    }
}

void __noreturn machine_halt(void)
{
    smp_stop_other_cpus();
    halt_forever();
}

/* How deep each CPU's stack went: the margin left is worth watching. */
static void report_stacks(void)
{
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (per_cpu(c)->online)
            printk("stack: CPU%u used at most %lu of %lu bytes\n", c, stack_depth_max(c),
                   (unsigned long)STACK_SIZE);
}

void __noreturn machine_power_off(unsigned int exit_value)
{
    local_irq_disable();
    report_stacks();
    if (opt_debug_exit)
        outl(opt_debug_exit, exit_value);
    if (acpi.pm1a_cnt && acpi.s5_found) {
        outw(acpi.pm1a_cnt, (acpi.slp_typ_s5a << 10) | (1u << 13));
        if (acpi.pm1b_cnt)
            outw(acpi.pm1b_cnt, (acpi.slp_typ_s5b << 10) | (1u << 13));
        mdelay(100);
    }
    printk(XENLOG_ERR "power off did not take effect: halting\n");
    halt_forever();
}

void __noreturn machine_restart(void)
{
    local_irq_disable();
    printk("Rebooting\n");
    if (acpi.reset_supported) {
        if (acpi.reset_space == 1)
            outb((uint16_t)acpi.reset_addr, acpi.reset_value);
        mdelay(50);
    }
    for (int i = 0; i < 100 && (inb(0x64) & 2); i++)
        udelay(50);
    outb(0x64, 0xfe); /* keyboard controller: pulse reset */
    mdelay(50);
    /* Last resort: a triple fault through an empty IDT. */
    static const struct {
        uint16_t limit;
        uint64_t base;
    } __packed no_idt = {0, 0};
    asm volatile("lidt %0; int3" : : "m"(no_idt));
    halt_forever();
}
