/*
 * Console output.  Sinks: port 0xE9 (the HVM debug port), the console_io
 * hypercall, and the PV console ring.  Under a hypervisor 0xE9 and
 * console_io reach the same log, so by default 0xE9 is used only when no
 * hypervisor was found; the guest command line may pick sinks explicitly
 * with `xtf-console=e9,hcall,pv`.
 */
#include <xtf.h>

unsigned int console_sinks = CONSOLE_E9;
static struct xencons_interface *pv_ring;
static evtchn_port_t pv_port;

static void e9_write(const char *buf, size_t len)
{
    asm volatile("rep outsb" : "+S"(buf), "+c"(len) : "d"(0xe9) : "memory");
}

static void pv_write(const char *buf, size_t len)
{
    uint32_t prod = ACCESS_ONCE(pv_ring->out_prod);
    size_t done = 0;
    unsigned int spins = 0;

    while (done < len) {
        uint32_t cons = ACCESS_ONCE(pv_ring->out_cons);

        if (prod - cons >= sizeof(pv_ring->out)) {
            /* Ring full: kick the backend and wait a little, then give up. */
            evtchn_send(pv_port);
            if (++spins > 1000000)
                return;
            cpu_relax();
            continue;
        }
        pv_ring->out[prod % sizeof(pv_ring->out)] = buf[done++];
        ++prod;
    }
    barrier();
    pv_ring->out_prod = prod;
    evtchn_send(pv_port);
}

static void console_write(const char *buf, size_t len)
{
    if (console_sinks & CONSOLE_E9)
        e9_write(buf, len);
    if (console_sinks & CONSOLE_HCALL)
        hypercall_console_write(buf, len);
    if ((console_sinks & CONSOLE_PV) && pv_ring)
        pv_write(buf, len);
}

void console_setup(void)
{
    char want[32];
    uint64_t pfn = 0, port = 0;

    if (xen_present) {
        console_sinks = CONSOLE_HCALL;
        if (!hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) && pfn &&
            !hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port)) {
            pv_ring = (void *)(unsigned long)(pfn << PAGE_SHIFT);
            pv_port = port;
        }
    }
    if (cmdline_get("xtf-console", want, sizeof(want))) {
        unsigned int s = 0;

        if (strstr(want, "e9"))
            s |= CONSOLE_E9;
        if (xen_present && strstr(want, "hcall"))
            s |= CONSOLE_HCALL;
        if (pv_ring && strstr(want, "pv"))
            s |= CONSOLE_PV;
        if (s)
            console_sinks = s;
    }
}

void vprintk(const char *fmt, va_list args)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, args);

    console_write(buf, min((size_t)n, sizeof(buf) - 1));
}

void printk(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
}
