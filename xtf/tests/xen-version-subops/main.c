/**
 * @file
 * Every xen_version sub-op, unprivileged and privileged.  Bug class: a
 * guest reading the hypervisor's private data or making it write through
 * bad pointers.  Proves version matches CPUID, extraversion, changeset and
 * compile_info fill NUL-terminated fields, capabilities names the HVM
 * ABIs, platform_parameters and guest_handle succeed, get_features' submap
 * 0 offers auto-translated physmap and the callback vector while submap 1
 * is empty, pagesize is 4096; that the hypervisor command line and build id
 * are -EPERM for an unprivileged domain (buffer untouched) and readable by
 * a privileged one; that each pointer sub-op gives -EFAULT for a bad
 * pointer, and unknown sub-ops -ENOSYS.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 * @variations unpriv priv
 * @domain ~priv priv=1
 */
#include <xtf.h>

const char test_title[] = "xen_version sub-ops";

#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector     8

static char buf[1024 + 16];

static void check_string(const char *what, unsigned int cmd, size_t field)
{
    memset(buf, 0x5a, sizeof(buf));
    xtf_expect_rc(what, hypercall_xen_version(cmd, buf), 0);
    if (strnlen(buf, field) == field)
        xtf_failure("Fail: %s: not NUL-terminated within %u bytes\n", what, (unsigned int)field);
    if ((uint8_t)buf[field] != 0x5a)
        xtf_failure("Fail: %s wrote past its %u-byte field\n", what, (unsigned int)field);
    xtf_expect_rc(what, hypercall_xen_version(cmd, XTF_BAD_PTR), -EFAULT);
}

void test_main(void)
{
    bool priv = !strcmp(test_variation, "priv");
    struct xen_feature_info fi;
    long rc;

    xtf_require_hypervisor();
    rc = hypercall_xen_version(XENVER_version, NULL);
    if (rc != (long)cpuid_eax(xen_cpuid_base + 1))
        xtf_failure("Fail: version %#lx, CPUID %#x\n", rc, cpuid_eax(xen_cpuid_base + 1));
    check_string("extraversion", XENVER_extraversion, 16);
    check_string("changeset", XENVER_changeset, 64);
    check_string("capabilities", XENVER_capabilities, 1024);
    memset(buf, 0, sizeof(buf));
    hypercall_xen_version(XENVER_capabilities, buf);
    if (!strstr(buf, "hvm-3.0-x86_32") || !strstr(buf, "hvm-3.0-x86_64"))
        xtf_failure("Fail: capabilities '%s'\n", buf);
    memset(buf, 0x5a, sizeof(buf));
    xtf_expect_rc("compile_info", hypercall_xen_version(XENVER_compile_info, buf), 0);
    if (strnlen(buf, 64) == 64 || strnlen(buf + 64, 16) == 16 || strnlen(buf + 80, 32) == 32 ||
        strnlen(buf + 112, 32) == 32)
        xtf_failure("Fail: compile_info fields not NUL-terminated\n");
    xtf_expect_rc("compile_info", hypercall_xen_version(XENVER_compile_info, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("platform_parameters", hypercall_xen_version(XENVER_platform_parameters, buf), 0);
    xtf_expect_rc("platform_parameters",
                  hypercall_xen_version(XENVER_platform_parameters, XTF_BAD_PTR), -EFAULT);
    fi.submap_idx = 0;
    xtf_expect_rc("get_features(0)", hypercall_xen_version(XENVER_get_features, &fi), 0);
    if (!(fi.submap & (1u << XENFEAT_auto_translated_physmap)) ||
        !(fi.submap & (1u << XENFEAT_hvm_callback_vector)))
        xtf_failure("Fail: features submap 0 is %#x\n", fi.submap);
    fi.submap_idx = 1;
    xtf_expect_rc("get_features(1)", hypercall_xen_version(XENVER_get_features, &fi), 0);
    xtf_expect_rc("features submap 1", fi.submap, 0);
    xtf_expect_rc("get_features", hypercall_xen_version(XENVER_get_features, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("pagesize", hypercall_xen_version(XENVER_pagesize, NULL), 4096);
    xtf_expect_rc("guest_handle", hypercall_xen_version(XENVER_guest_handle, buf), 0);
    xtf_expect_rc("guest_handle", hypercall_xen_version(XENVER_guest_handle, XTF_BAD_PTR), -EFAULT);

    memset(buf, 0x5a, sizeof(buf));
    rc = hypercall_xen_version(XENVER_commandline, buf);
    if (priv) {
        xtf_expect_rc("commandline", rc, 0);
        if (strnlen(buf, 1024) == 1024)
            xtf_failure("Fail: command line not NUL-terminated\n");
        else
            printk("hypervisor command line: %s\n", buf);
    } else {
        xtf_expect_rc("commandline (unprivileged)", rc, -EPERM);
        if ((uint8_t)buf[0] != 0x5a)
            xtf_failure("Fail: refused commandline wrote the buffer\n");
    }
    memset(buf, 0, sizeof(buf));
    *(uint32_t *)buf = sizeof(buf) - 4;
    rc = hypercall_xen_version(XENVER_build_id, buf);
    if (priv) {
        if (rc <= 0 && rc != -61 /* ENODATA: built without an id */)
            xtf_failure("Fail: build_id gave %ld\n", rc);
    } else
        xtf_expect_rc("build_id (unprivileged)", rc, -EPERM);
    xtf_expect_rc("unknown sub-op", hypercall_xen_version(64, buf), -ENOSYS);
    xtf_expect_rc("unknown sub-op", hypercall_xen_version(~0u, buf), -ENOSYS);
    if (xtf_status_is_success())
        xtf_success(NULL);
}
