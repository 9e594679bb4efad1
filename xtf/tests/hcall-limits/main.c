/**
 * @file
 * Core hypercalls at their limits.  Bug class: bounds and privilege checks
 * off by one or missing (a console write of any length, a shutdown reason
 * past the last one, an unprivileged remote_shutdown, a build id written
 * past a short buffer).  Proves that CONSOLEIO_write of 64 KiB + 1 bytes
 * gives -E2BIG (a short write is accepted), that SCHEDOP_shutdown and
 * SCHEDOP_shutdown_code with reason SHUTDOWN_MAX + 1 give -EINVAL, that
 * memory_op current_reservation with a continuation index (the sub-op has
 * none; 1 and 2) gives -EINVAL, that add_to_physmap of shared info index 1
 * (there is only index 0) gives -EINVAL, that memory_map with room for one
 * entry writes one (and says so) and nothing past it, that an unprivileged
 * SCHEDOP_remote_shutdown of itself gives -EPERM, and (priv) that
 * XENVER_build_id into a buffer one byte short gives -ENOBUFS and writes
 * nothing.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 * @variations unpriv priv
 * @domain ~priv priv=1
 */
#include <xtf.h>

const char test_title[] = "Core hypercalls at their limits";

#define CONSOLE_IO_MAX     (64 * 1024)
#define SHUTDOWN_MAX       SHUTDOWN_soft_reset
#define MEMOP_EXTENT_SHIFT 6
#define ENOBUFS            105

static char text[CONSOLE_IO_MAX + 1];
static uint8_t e820[4 * 20]; /* e820 entries of 20 bytes */
static uint8_t id_buf[4 + 256];

static long shutdown_op(unsigned int cmd, unsigned int reason)
{
    struct sched_shutdown s = {.reason = reason};

    return hypercall_sched_op(cmd, &s);
}

static void test_console(void)
{
    /* Spaces: harmless on the console if a broken hypervisor prints them. */
    memset(text, ' ', sizeof(text));
    text[63] = '\n';
    xtf_expect_rc("console write of 64 KiB + 1",
                  hypercall_console_io(CONSOLEIO_write, CONSOLE_IO_MAX + 1, text), -E2BIG);
    xtf_expect_rc("short console write", hypercall_console_io(CONSOLEIO_write, 64, text), 0);
}

static void test_build_id(void)
{
    uint32_t *len = (uint32_t *)id_buf;
    long n;

    *len = sizeof(id_buf) - 4;
    n = hypercall_xen_version(XENVER_build_id, id_buf);
    if (n <= 0 || n > (long)sizeof(id_buf) - 4)
        return xtf_failure("Fail: build_id gave %ld\n", n);
    memset(id_buf, 0x5a, sizeof(id_buf));
    *len = n - 1;
    xtf_expect_rc("build_id into a buffer one byte short",
                  hypercall_xen_version(XENVER_build_id, id_buf), -ENOBUFS);
    for (unsigned int i = 4; i < sizeof(id_buf); i++)
        if (id_buf[i] != 0x5a)
            return xtf_failure("Fail: refused build_id wrote byte %u\n", i - 4);
}

void test_main(void)
{
    bool priv = !strcmp(test_variation, "priv");
    struct sched_remote_shutdown rs = {.domain_id = DOMID_SELF, .reason = SHUTDOWN_crash};

    xtf_require_hypervisor();
    test_console();
    xtf_expect_rc("shutdown reason SHUTDOWN_MAX + 1",
                  shutdown_op(SCHEDOP_shutdown, SHUTDOWN_MAX + 1), -EINVAL);
    xtf_expect_rc("shutdown reason ~0", shutdown_op(SCHEDOP_shutdown, ~0u), -EINVAL);
    xtf_expect_rc("shutdown_code reason SHUTDOWN_MAX + 1",
                  shutdown_op(SCHEDOP_shutdown_code, SHUTDOWN_MAX + 1), -EINVAL);
    for (unsigned int start = 1; start <= 2; start++) {
        domid_t self = DOMID_SELF;

        xtf_expect_rc(
            "current_reservation with a continuation index",
            hypercall_memory_op(XENMEM_current_reservation | (start << MEMOP_EXTENT_SHIFT), &self),
            -EINVAL);
    }
    {
        struct xen_add_to_physmap x = {
            .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 1, .gpfn = 0xf0300};

        xtf_expect_rc("add_to_physmap of shared info index 1",
                      hypercall_memory_op(XENMEM_add_to_physmap, &x), -EINVAL);
    }
    {
        struct {
            unsigned int nr_entries;
            void *buffer;
        } mm = {.nr_entries = 1, .buffer = e820};

        memset(e820, 0x5a, sizeof(e820));
        xtf_expect_rc("memory_map with room for one entry",
                      hypercall_memory_op(XENMEM_memory_map, &mm), 0);
        xtf_expect_rc("memory_map entries written", mm.nr_entries, 1);
        for (unsigned int i = 20; i < sizeof(e820); i++)
            if (e820[i] != 0x5a)
                return xtf_failure("Fail: memory_map wrote byte %u, past the one entry\n", i);
    }
    if (priv)
        test_build_id();
    else
        xtf_expect_rc("unprivileged remote_shutdown of itself",
                      hypercall_sched_op(SCHEDOP_remote_shutdown, &rs), -EPERM);
    xtf_success(NULL);
}
