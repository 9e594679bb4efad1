/**
 * @file
 * Domain lifecycle: proves that every shutdown reason (poweroff, reboot,
 * suspend, crash, watchdog, soft_reset) ends the domain with the action its
 * on_* setting names (destroy, restart, preserve), as the hypervisor's
 * console tells the runner (@expect-end), and that a restarted domain runs
 * again from a fresh image (it sees xen_restarts=1 on its command line).
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 * @variations poweroff-destroy poweroff-preserve poweroff-restart reboot-restart
 * @variations reboot-destroy suspend crash-destroy crash-restart crash-preserve
 * @variations watchdog watchdog-restart soft_reset
 * @domain ~poweroff-preserve on_poweroff=preserve
 * @domain ~poweroff-restart on_poweroff=restart
 * @domain ~reboot-destroy on_reboot=destroy
 * @domain ~crash-restart on_crash=restart
 * @domain ~crash-preserve on_crash=preserve
 * @domain ~watchdog-restart on_watchdog=restart
 * @expect-end ~poweroff-destroy shutdown: poweroff; destroyed
 * @expect-end ~poweroff-preserve shutdown: poweroff; preserved
 * @expect-end ~poweroff-restart shutdown: poweroff; restarted (1); shutdown: crash; destroyed
 * @expect-end ~reboot-restart shutdown: reboot; restarted (1); shutdown: poweroff; destroyed
 * @expect-end ~reboot-destroy shutdown: reboot; destroyed
 * @expect-end ~suspend shutdown: suspend; restarted (1); shutdown: poweroff; destroyed
 * @expect-end ~crash-destroy shutdown: crash; destroyed
 * @expect-end ~crash-restart shutdown: crash; restarted (1); shutdown: poweroff; destroyed
 * @expect-end ~crash-preserve shutdown: crash; preserved
 * @expect-end ~watchdog watchdog expired; shutdown: watchdog; destroyed
 * @expect-end ~watchdog-restart watchdog expired; shutdown: watchdog; restarted (1); destroyed
 * @expect-end ~soft_reset shutdown: soft_reset; restarted (1); shutdown: poweroff; destroyed
 */
#include <xtf.h>

const char test_title[] = "Shutdown reasons and on_* actions";

static unsigned int restarts(void)
{
    char buf[16];

    return cmdline_get("xen_restarts", buf, sizeof(buf)) ? strtoul(buf, NULL, 10) : 0;
}

void test_main(void)
{
    const char *v = test_variation;
    unsigned int reason = SHUTDOWN_poweroff, n;

    xtf_require_hypervisor();
    n = restarts();
    printk("incarnation %u\n", n);
    if (n > 1)
        return xtf_failure("Fail: restarted %u times\n", n);
    if (n == 1) {
        /* The second life: end for good (poweroff-restart ends with crash). */
        if (!strcmp(v, "poweroff-restart")) {
            printk("Test result: SUCCESS\n");
            xtf_shutdown(SHUTDOWN_crash);
        }
        return xtf_success(NULL);
    }
    if (!strncmp(v, "reboot", 6))
        reason = SHUTDOWN_reboot;
    else if (!strcmp(v, "suspend"))
        reason = SHUTDOWN_suspend;
    else if (!strncmp(v, "crash", 5))
        reason = SHUTDOWN_crash;
    else if (!strcmp(v, "soft_reset"))
        reason = SHUTDOWN_soft_reset;
    else if (!strncmp(v, "watchdog", 8)) {
        struct sched_watchdog w = {.id = 0, .timeout = 1};
        long id = hypercall_sched_op(SCHEDOP_watchdog, &w);

        if (id != 1)
            return xtf_failure("Fail: watchdog arm: %ld\n", id);
        printk("Test result: SUCCESS\n"); /* the hypervisor's console decides */
        for (;;)
            hypercall_yield(); /* never refresh it: the watchdog must fire */
    }
    /* The result line comes first: after the shutdown there is no guest. */
    printk("Test result: SUCCESS\n");
    xtf_shutdown(reason);
}
