/* The idle loop, the idle-time page scrubber, NMI handling and the
 * register-dump debug key. */
#include <xen/console.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/panic.h>
#include <xen/param.h>
#include <xen/sched.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>

static struct timer input_poll_timer;
#define INPUT_POLL_INTERVAL MILLISECS(20)

/* Serial input is polled: no IOAPIC routing is needed, and debug keys work
 * even while every CPU is busy running guests. */
static void input_poll(void *unused)
{
    console_poll_input();
    set_timer(&input_poll_timer, NOW() + INPUT_POLL_INTERVAL);
}

/* Idle-time scrubbing: freed frames (and the boot heap) are dirty until
 * zeroed. A per-CPU timer zeroes 64 KiB chunks for up to SCRUB_BUDGET while
 * its CPU has no vCPU, and comes back after SCRUB_GAP while dirty frames
 * remain, so a wake-up on that CPU waits for one round at most. On a CPU
 * busy with a guest it only looks again after SCRUB_BUSY_RETRY. Allocation
 * for guests takes clean blocks first (common/page_alloc.c);
 * idle_scrub=0 leaves all zeroing to allocation time. */
static bool opt_idle_scrub = true;
boolean_param("idle_scrub", opt_idle_scrub);
#define SCRUB_CHUNK_ORDER 4 /* 64 KiB: about 10 us under TCG */
#define SCRUB_BUSY_RETRY  MILLISECS(10)
#define SCRUB_GAP         MICROSECS(10)
#define SCRUB_BUDGET      MICROSECS(100) /* per timer interrupt: the wake-up latency it adds */
#define RECLAIM_CHUNK     512            /* frames of a destroyed domain freed at a time: 2 MiB */
static struct timer scrub_timer[NR_CPUS];
static bool scrub_ready[NR_CPUS];

static void scrub_tick(void *unused)
{
    struct timer *t = &scrub_timer[smp_processor_id()];

    if (this_cpu()->curr_vcpu) {
        if (total_dirty_pages() || page_reclaim_pending())
            set_timer(t, NOW() + SCRUB_BUSY_RETRY);
        return;
    }
    /* Chunks until the budget is spent or the scheduler has work here
     * (a remote wake-up sets softirq_pending before its IPI, which waits
     * while this runs with interrupts off). The next round is a fresh
     * timer interrupt after the CPU went back to its idle loop: expiring
     * "now" would keep timer_interrupt() in this callback until all is
     * clean. */
    s_time_t start = NOW();
    bool more = true;

    /* Frames of destroyed domains first: scrubbing needs them freed. */
    while (!this_cpu()->softirq_pending && NOW() - start < SCRUB_BUDGET &&
           page_reclaim_step(RECLAIM_CHUNK))
        ;
    while (!this_cpu()->softirq_pending && NOW() - start < SCRUB_BUDGET)
        if (!scrub_free_pages(SCRUB_CHUNK_ORDER, true)) {
            more = page_reclaim_pending();
            break;
        }
    if (more)
        set_timer(t, NOW() + SCRUB_GAP);
}

/* Every free calls this (a domain's teardown frees a dozen small blocks
 * before its RAM): each wake-up of an idle CPU is an IPI, and each timer
 * armed here an APIC write, both slow under TCG and serialised by QEMU's
 * global lock. So a few dirty frames wait until SCRUB_WAKE_PAGES pile up
 * (allocation zeroes on demand meanwhile), a CPU running a vCPU only looks
 * again after SCRUB_BUSY_RETRY, and a timer already armed is left alone. */
#define SCRUB_WAKE_PAGES 16
void page_scrub_notify(void)
{
    unsigned int self = smp_processor_id();

    if (!opt_idle_scrub || (total_dirty_pages() < SCRUB_WAKE_PAGES && !page_reclaim_pending()))
        return;
    for (unsigned int c = 0; c < NR_CPUS; c++) {
        bool busy = c == self ? this_cpu()->curr_vcpu != NULL
                              : __atomic_load_n(&per_cpu(c)->curr_vcpu, __ATOMIC_RELAXED) != NULL;

        if (__atomic_load_n(&scrub_ready[c], __ATOMIC_ACQUIRE) && !timer_is_active(&scrub_timer[c]))
            set_timer(&scrub_timer[c], NOW() + (busy ? SCRUB_BUSY_RETRY : 0));
    }
}

static void dump_scrub(char key)
{
    unsigned long idle, sync;

    page_scrub_stats(&idle, &sync);
    printk("scrub: %lu pages dirty of %lu free; scrubbed %lu in idle time, %lu on demand%s\n",
           total_dirty_pages(), total_free_pages(), idle, sync,
           opt_idle_scrub ? "" : " (idle_scrub=0)");
}
register_keyhandler('s', dump_scrub, "page scrubbing statistics");

void idle_loop(void)
{
    unsigned int cpu = smp_processor_id();

    if (cpu == 0) {
        init_timer(&input_poll_timer, input_poll, NULL, 0);
        set_timer(&input_poll_timer, NOW() + INPUT_POLL_INTERVAL);
    }
    init_timer(&scrub_timer[cpu], scrub_tick, NULL, cpu);
    __atomic_store_n(&scrub_ready[cpu], true, __ATOMIC_RELEASE);
    if (opt_idle_scrub && total_dirty_pages())
        set_timer(&scrub_timer[cpu], NOW());
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
