/* The idle loop, NMI handling and the register-dump debug key. */
#include <xen/console.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/panic.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

void do_softirqs(void);

static struct timer input_poll_timer;
#define INPUT_POLL_INTERVAL MILLISECS(20)

/* Serial input is polled: no IOAPIC routing is needed, and debug keys work
 * even while every CPU is busy running guests. */
static void input_poll(void *unused)
{
    console_poll_input();
    set_timer(&input_poll_timer, NOW() + INPUT_POLL_INTERVAL);
}

void __attribute__((weak)) do_softirqs(void) {}

void idle_loop(void)
{
    if (smp_processor_id() == 0) {
        init_timer(&input_poll_timer, input_poll, NULL, 0);
        set_timer(&input_poll_timer, NOW() + INPUT_POLL_INTERVAL);
    }
    schedule_loop();
}

static volatile unsigned int dump_cpu_done;

void do_nmi(struct cpu_user_regs *regs)
{
    struct cpu_info *ci = this_cpu();

    if (ci->dump_request) {
        ci->dump_request = false;
        printk("*** Dumping CPU%u host state: ***\n", ci->id);
        show_registers(regs);
        show_stack_trace(regs->rbp, regs->rip);
        __atomic_store_n(&dump_cpu_done, 1, __ATOMIC_RELEASE);
        return;
    }
    if (panicking)
        halt_forever(); /* another CPU is reporting a panic */
    printk(XENLOG_WARNING "CPU%u: unexpected NMI at %pS\n", ci->id, (void *)regs->rip);
}

static void dump_registers(char key)
{
    struct cpu_user_regs here;

    printk("'%c' pressed -> dumping registers\n", key);
    asm volatile("lea 0(%%rip), %0; mov %%rbp, %1; mov %%rsp, %2"
                 : "=r"(here.rip), "=r"(here.rbp), "=r"(here.rsp));
    here.rflags = local_save_flags();
    printk("*** Dumping CPU%u host state: ***\n", smp_processor_id());
    printk("RIP: %pS  RSP: %016lx  RBP: %016lx\n", (void *)here.rip, (unsigned long)here.rsp,
           (unsigned long)here.rbp);
    show_stack_trace(here.rbp, here.rip);
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        struct cpu_info *ci = per_cpu(c);
        s_time_t deadline;

        if (!ci->online || c == smp_processor_id())
            continue;
        dump_cpu_done = 0;
        ci->dump_request = true;
        apic_send_nmi(ci->apic_id);
        deadline = NOW() + MILLISECS(500);
        while (!__atomic_load_n(&dump_cpu_done, __ATOMIC_ACQUIRE) && NOW() < deadline)
            cpu_relax();
        if (!dump_cpu_done)
            printk("CPU%u did not answer the dump NMI\n", c);
    }
}
register_keyhandler('d', dump_registers, "dump registers of every CPU");
