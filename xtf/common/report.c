/*
 * Test reporting: a status that only rises (SUCCESS < SKIP < ERROR <
 * FAILURE), the final `Test result:` line, and shutdown.
 */
#include <xtf.h>

enum status { STATUS_RUNNING, STATUS_SUCCESS, STATUS_SKIP, STATUS_ERROR, STATUS_FAILURE };

static const char *const status_names[] = {
    [STATUS_RUNNING] = "RUNNING", [STATUS_SUCCESS] = "SUCCESS", [STATUS_SKIP] = "SKIP",
    [STATUS_ERROR] = "ERROR",     [STATUS_FAILURE] = "FAILURE",
};

static enum status status;
static bool warnings;

static void report(enum status s, const char *fmt, va_list args)
{
    if (fmt)
        vprintk(fmt, args);
    if (s > status)
        status = s;
}

#define DEFINE_REPORT(fn, st)                                                                      \
    void fn(const char *fmt, ...)                                                                  \
    {                                                                                              \
        va_list args;                                                                              \
        va_start(args, fmt);                                                                       \
        report(st, fmt, args);                                                                     \
        va_end(args);                                                                              \
    }
DEFINE_REPORT(xtf_success, STATUS_SUCCESS)
DEFINE_REPORT(xtf_skip, STATUS_SKIP)
DEFINE_REPORT(xtf_error, STATUS_ERROR)
DEFINE_REPORT(xtf_failure, STATUS_FAILURE)

void xtf_warning(const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    if (fmt)
        vprintk(fmt, args);
    va_end(args);
    warnings = true;
}

bool xtf_status_is_success(void)
{
    return status <= STATUS_SUCCESS;
}

void __noreturn xtf_shutdown(unsigned int reason)
{
    if (xen_present) {
        hypercall_shutdown(reason);
    } else {
        /* No hypervisor: the isa-debug-exit port under QEMU (status (v << 1) | 1). */
        outl(reason == SHUTDOWN_poweroff ? 0 : 1, 0xf4);
    }
    for (;;)
        asm volatile("cli; hlt");
}

void __noreturn xtf_exit(void)
{
    if (status == STATUS_RUNNING) {
        printk("Test did not report a status\n");
        status = STATUS_ERROR;
    }
    printk("Test result: %s%s\n", status_names[status],
           status == STATUS_SUCCESS && warnings ? " with warnings" : "");
    xtf_shutdown(SHUTDOWN_poweroff);
}

void __noreturn panic(const char *fmt, ...)
{
    va_list args;

    printk("******************************\n");
    printk("PANIC: ");
    va_start(args, fmt);
    vprintk(fmt, args);
    va_end(args);
    printk("\n******************************\n");
    xtf_shutdown(SHUTDOWN_crash);
}

void xtf_require_hypervisor(void)
{
    if (!xen_present) {
        xtf_skip("Skip: no hypervisor found\n");
        xtf_exit();
    }
}
