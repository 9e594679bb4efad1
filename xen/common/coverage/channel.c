/* The hypervisor's side of coverage: constructors at boot, the dump channel
 * (QEMU's debug port or a second UART), the `coverage=` option, the debug
 * keys G (dump) and W (reset), the dumps at the end of each domain and at
 * power-off, and the coverage_op sysctl. Built only with COVERAGE=y, and not
 * instrumented itself (it runs inside dumps).
 *
 * The end of a domain and power-off/reboot are hooked with the linker's
 * --wrap (see xen/Makefile), so the default build has no trace of this. */
#include <xen/console.h>
#include <xen/coverage.h>
#include <xen/gcov.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/power.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <asm/config.h>
#include <asm/io.h>
#include <asm/percpu.h>
#include <asm/hvm/hvm.h>
#include <public/sysctl.h>

#define DEBUGCON_PORT 0xe9

/* One dump or reset at a time, on any CPU, from any context. */
static DEFINE_SPINLOCK(coverage_lock);
static unsigned int dumps_taken;
static struct serial_port cov_uart;
static bool domain_ending;
/* The CPU inside a dump or reset (NR_CPUS: none), so that power-off on that
 * CPU (a panic in a dump) does not wait for itself. */
static volatile unsigned int dumping_cpu = NR_CPUS;

static const char *parse_coverage(const char *v)
{
    return gcov_parse_options(v, &gcov_opts);
}
custom_param("coverage", parse_coverage);

static int cov_port_sink(void *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;

    if (gcov_opts.port == DEBUGCON_PORT) {
        while (len--)
            outb(DEBUGCON_PORT, *p++);
    } else {
        while (len--)
            ns16550_putc(&cov_uart, (char)*p++);
    }
    return 0;
}

/* Dump to the channel (then reset when `coverage=reset`); `why` names the
 * occasion in the console line. */
static void coverage_dump_channel(const char *why)
{
    unsigned long flags = spin_lock_irqsave(&coverage_lock);
    size_t bytes;
    int rc;
    unsigned int seq;

    dumping_cpu = smp_processor_id();
    bytes = gcov_dump_size();
    rc = gcov_dump(cov_port_sink, NULL);
    seq = ++dumps_taken;
    if (gcov_opts.reset_after)
        gcov_reset();
    dumping_cpu = NR_CPUS;
    spin_unlock_irqrestore(&coverage_lock, flags);
    if (rc)
        printk(XENLOG_ERR "coverage: dump %u (%s) failed: %d\n", seq, why, rc);
    else
        printk("coverage: dump %u, %lu bytes on port %#x (%s)\n", seq, (unsigned long)bytes,
               gcov_opts.port, why);
}

static void coverage_reset_now(void)
{
    unsigned long flags = spin_lock_irqsave(&coverage_lock);

    gcov_reset();
    spin_unlock_irqrestore(&coverage_lock, flags);
}

void coverage_init(void)
{
    typedef void (*ctor_fn)(void);
    extern const ctor_fn __ctors_start[], __ctors_end[];

    for (const ctor_fn *fn = __ctors_start; fn < __ctors_end; fn++)
        (*fn)();
    if (gcov_opts.port != DEBUGCON_PORT) {
        cov_uart.io = gcov_opts.port;
        cov_uart.baud = 115200;
        ns16550_init(&cov_uart);
        if (!cov_uart.present)
            printk(XENLOG_WARNING "coverage: no UART at port %#x: dumps are lost\n",
                   gcov_opts.port);
    }
    printk("coverage: %u objects, dump channel port %#x%s%s%s%s%s\n", gcov_object_count(),
           gcov_opts.port, gcov_opts.on_boot ? ", on boot" : "",
           gcov_opts.on_domain ? ", per domain" : "", gcov_opts.on_exit ? ", on exit" : "",
           gcov_opts.reset_after ? ", reset after dumps" : "",
           gcov_opts.reset_boot ? ", reset at boot" : "");
}

void coverage_ready(void)
{
    if (gcov_opts.reset_boot)
        coverage_reset_now();
    if (gcov_opts.on_boot)
        coverage_dump_channel("boot");
}

/* ---- Hooks wrapped around the end of a domain and of the machine ---- */

void __real_domain_finish(struct domain *d);
void __wrap_domain_finish(struct domain *d);
void __real_machine_power_off(unsigned int exit_value) __noreturn;
void __wrap_machine_power_off(unsigned int exit_value) __noreturn;
void __real_machine_restart(void) __noreturn;
void __wrap_machine_restart(void) __noreturn;

void __wrap_domain_finish(struct domain *d)
{
    /* The console line names the domain: the host side attributes each
     * delta between dumps to the tests that ran in it. */
    char why[32];

    snprintf(why, sizeof(why), "domain d%u end", d->domain_id);
    /* The last domain's end may power off from inside: that path dumps. */
    domain_ending = true;
    __real_domain_finish(d);
    domain_ending = false;
    if (gcov_opts.on_domain)
        coverage_dump_channel(why);
}

/* Whether to dump on the way down: never after a panic (the state may be
 * broken, and a lock may be held by the CPU that panicked), nor from inside
 * a dump. A dump another CPU is taking (the end of another domain) is
 * waited for by taking the lock: powering off under it would cut it short. */
static void coverage_on_exit(bool panicking)
{
    if (panicking || dumping_cpu == smp_processor_id())
        return;
    if (gcov_opts.on_exit || (gcov_opts.on_domain && domain_ending))
        coverage_dump_channel("exit");
}

void __wrap_machine_power_off(unsigned int exit_value)
{
    coverage_on_exit(exit_value == EXIT_PANIC_VALUE);
    __real_machine_power_off(exit_value);
}

void __wrap_machine_restart(void)
{
    coverage_on_exit(false);
    __real_machine_restart();
}

/* ---- Debug keys ---- */

static void coverage_dump_key(char key)
{
    coverage_dump_channel("debug key");
}
register_keyhandler('G', coverage_dump_key, "dump coverage counters on the coverage channel");

static void coverage_reset_key(char key)
{
    coverage_reset_now();
    printk("coverage: counters reset\n");
}
register_keyhandler('W', coverage_reset_key, "reset coverage counters");

/* ---- The coverage_op sysctl ---- */

struct guest_sink {
    struct vcpu *v;
    uint64_t gva;
    size_t size, pos;
};

static int guest_sink(void *ctx, const void *data, size_t len)
{
    struct guest_sink *g = ctx;

    if (len > g->size - g->pos)
        return -ENOBUFS;
    if (copy_to_guest(g->v, g->gva + g->pos, data, len))
        return -EFAULT;
    g->pos += len;
    return 0;
}

long coverage_sysctl(struct vcpu *v, struct xen_sysctl_coverage_op *op)
{
    unsigned long flags;
    struct guest_sink g;
    size_t need;
    int rc;

    switch (op->cmd) {
    case XEN_SYSCTL_COVERAGE_get_size:
        flags = spin_lock_irqsave(&coverage_lock);
        need = gcov_dump_size();
        spin_unlock_irqrestore(&coverage_lock, flags);
        if (need > 0xffffffffu)
            return -ERANGE;
        op->size = (uint32_t)need;
        return 0;
    case XEN_SYSCTL_COVERAGE_read:
        g = (struct guest_sink){.v = v, .gva = op->buffer, .size = op->size, .pos = 0};
        flags = spin_lock_irqsave(&coverage_lock);
        need = gcov_dump_size();
        rc = need > g.size ? -ENOBUFS : gcov_dump(guest_sink, &g);
        if (!rc)
            dumps_taken++;
        spin_unlock_irqrestore(&coverage_lock, flags);
        if (rc)
            return rc;
        op->size = (uint32_t)g.pos;
        return 0;
    case XEN_SYSCTL_COVERAGE_reset:
        coverage_reset_now();
        return 0;
    default:
        return -EINVAL;
    }
}
