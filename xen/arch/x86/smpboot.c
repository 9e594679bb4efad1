/* Bringing up the other CPUs: every CPU that the MADT lists is sent INIT and
 * two STARTUP IPIs, all at once, and reports in from start_secondary() on its
 * own stack with its own per-CPU data, TSS and exception stacks. */
#include <xen/acpi.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/string.h>
#include <xen/time.h>
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/stack.h>
#include <asm/processor.h>
#include <asm/traps.h>

struct cpu_info cpu_info_array[NR_CPUS];
unsigned int nr_cpus_online = 1;
uint32_t ap_apic_ids[NR_CPUS];
unsigned long ap_stacks[NR_CPUS];
extern char trampoline_start[], trampoline_end[];
extern uint32_t trampoline_cr3;

static unsigned int opt_maxcpus = NR_CPUS;
unsigned_param("maxcpus", opt_maxcpus, 1, NR_CPUS);
static unsigned int opt_init_delay_us = 10000;
unsigned_param("smp_init_delay_us", opt_init_delay_us, 0, 1000000);

void idle_loop(void);
void hvm_secondary_up(void);

void percpu_init(unsigned int cpu)
{
    struct cpu_info *ci = per_cpu(cpu);

    ci->self = ci;
    ci->id = cpu;
    wrmsr(MSR_GS_BASE, (uint64_t)ci);
}

void start_secondary(unsigned int cpu)
{
    struct cpu_info *ci = per_cpu(cpu);

    percpu_init(cpu);
    percpu_traps_init(cpu);
    apic_init_ap();
    ci->apic_id = apic_read_id();
    __atomic_store_n(&ci->online, true, __ATOMIC_RELEASE);
    __atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
    printk(XENLOG_DEBUG "CPU%u: APIC id %u online\n", cpu, ci->apic_id);
    local_irq_enable();
    hvm_secondary_up();
    idle_loop();
}

void smp_boot_cpus(void)
{
    uint32_t me = apic_read_id();
    unsigned int n = 1, want;
    s_time_t deadline;

    memset(ap_apic_ids, 0xff, sizeof(ap_apic_ids));
    per_cpu(0)->apic_id = me;
    per_cpu(0)->online = true;
    for (unsigned int i = 0; i < acpi.nr_cpus && n < opt_maxcpus; i++) {
        char *stack;

        if (acpi.cpu_apic_id[i] == me)
            continue;
        stack = alloc_xenheap_pages(STACK_ORDER);
        if (!stack) {
            printk(XENLOG_WARNING "SMP: no memory for CPU%u's stack\n", n);
            break;
        }
        ap_apic_ids[n] = acpi.cpu_apic_id[i];
        per_cpu(n)->stack_top = (unsigned long)stack + STACK_SIZE;
        stack_guard_init(n, per_cpu(n)->stack_top);
        ap_stacks[n] = per_cpu(n)->stack_top;
        n++;
    }
    want = n;
    if (want == 1)
        return;

    memcpy(__va(AP_TRAMPOLINE), trampoline_start, trampoline_end - trampoline_start);
    *(uint32_t *)__va(AP_TRAMPOLINE + ((char *)&trampoline_cr3 - trampoline_start)) =
        (uint32_t)idle_pg_table_pa;

    for (unsigned int c = 1; c < want; c++)
        apic_send_init(ap_apic_ids[c]);
    udelay(opt_init_delay_us);
    for (int round = 0; round < 2; round++) {
        for (unsigned int c = 1; c < want; c++)
            if (!per_cpu(c)->online)
                apic_send_sipi(ap_apic_ids[c], AP_TRAMPOLINE >> 12);
        udelay(200);
    }

    deadline = NOW() + MILLISECS(1000);
    while (__atomic_load_n(&nr_cpus_online, __ATOMIC_ACQUIRE) < want && NOW() < deadline)
        cpu_relax();
    for (unsigned int c = 1; c < want; c++)
        if (!per_cpu(c)->online)
            printk(XENLOG_ERR "SMP: CPU%u (APIC id %u) did not come up\n", c, ap_apic_ids[c]);
}
