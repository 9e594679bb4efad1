/**
 * @file
 * Domain create/run/destroy cycle, for the domain benchmark
 * (xen/test/bench/bench-domain): the domain reboots itself ROUNDS times
 * (on_reboot=restart rebuilds it: RAM freed, allocated and mapped again,
 * image reloaded), so one boot builds and destroys ROUNDS + 1 16 MiB
 * domains; the hypervisor prints a "domtime:" line for each.  Proves that
 * every incarnation finds its RAM zeroed: each one writes a marker into
 * every page of [4 MiB, 15 MiB) and checks first that no marker of an
 * earlier incarnation (or any other byte) is visible there.
 *
 * Variations: "churn" reboots at once (back-to-back cycles: the idle
 * scrubber has only the other pCPU's spare time); "paced" works 20 ms
 * first, as a domain that lives a little would, which leaves the idle pCPU
 * time to scrub what the last incarnation freed.
 *
 * @category utility
 * @envs hvm64
 * @needs hypervisor evtchn memory
 * @variations churn paced
 * @domain mem=16M on_reboot=restart
 * @timeout 120
 */
#include <xtf.h>
#include <xtf/evtchn.h>

const char test_title[] = "Domain create/run/destroy cycle";

#define ROUNDS     32
#define AREA_START (4UL << 20)
#define AREA_END   (15UL << 20)

static unsigned int incarnation(void)
{
    char buf[16];

    return cmdline_get("xen_restarts", buf, sizeof(buf)) ? strtoul(buf, NULL, 10) : 0;
}

/* One word per page, at an offset that walks through the page. */
static volatile uint64_t *slot(unsigned long pa)
{
    return (volatile uint64_t *)(pa + ((pa >> 12) * 64 % 4096));
}

/* Keep the vCPU busy for ms milliseconds of system time (a guest at work:
 * it never waits as runnable, so first_run stays the wait for the first
 * instruction alone). */
static void work_ms(unsigned int ms)
{
    struct shared_info *s;
    uint64_t end;
    long rc;

    s = map_shared_info(&rc);
    if (!s)
        return xtf_error("Error: no shared info (%ld)\n", rc);
    end = xen_system_time(s) + ms * 1000000ULL;
    while (xen_system_time(s) < end)
        ;
}

void test_main(void)
{
    unsigned int n = incarnation();
    unsigned long dirty = 0;

    xtf_require_hypervisor();
    for (unsigned long pa = AREA_START; pa < AREA_END; pa += 4096)
        if (*slot(pa) != 0) {
            if (!dirty)
                printk("incarnation %u: %#lx holds %#llx\n", n, pa, (unsigned long long)*slot(pa));
            dirty++;
        }
    if (dirty)
        return xtf_failure("Fail: incarnation %u found %lu non-zero pages\n", n, dirty);
    for (unsigned long pa = AREA_START; pa < AREA_END; pa += 4096)
        *slot(pa) = 0xd0b1e5e500000000ULL | (n + 1);
    if (n < ROUNDS) {
        if (!strcmp(test_variation, "paced"))
            work_ms(20);
        xtf_shutdown(SHUTDOWN_reboot);
    }
    printk("%u incarnations, each with zeroed RAM\n", n + 1);
    xtf_success(NULL);
}
