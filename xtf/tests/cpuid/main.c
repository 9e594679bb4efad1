/**
 * @file
 * CPUID policy: proves that the basic leaves are consistent (maximum leaf,
 * vendor, family), that the hypervisor leaves are either absent (bare) or
 * carry the Xen signature with a version matching XENVER_version and a
 * hypercall page MSR, and that the hypervisor bit is set when they exist.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs none
 */
#include <xtf.h>

const char test_title[] = "CPUID policy";

void test_main(void)
{
    uint32_t a, b, c, d;
    char vendor[13];

    cpuid(0, &a, &b, &c, &d);
    memcpy(vendor, &b, 4);
    memcpy(vendor + 4, &d, 4);
    memcpy(vendor + 8, &c, 4);
    vendor[12] = '\0';
    printk("max leaf %#x vendor '%s'\n", a, vendor);
    if (a < 1)
        xtf_failure("Fail: max basic leaf %#x\n", a);
    for (int i = 0; i < 12; ++i)
        if (vendor[i] < 0x20 || vendor[i] > 0x7e)
            xtf_failure("Fail: vendor string not printable\n");

    cpuid(1, &a, &b, &c, &d);
    if (!(d & 1))
        xtf_failure("Fail: no FPU bit in leaf 1\n");
    if (((a >> 8) & 0xf) == 0)
        xtf_failure("Fail: family 0 in leaf 1 (%#x)\n", a);

    if (!xen_cpuid_base) {
        printk("No hypervisor leaves\n");
        return xtf_success(NULL);
    }
    if (!(c & (1u << 31)))
        xtf_failure("Fail: hypervisor leaves present but CPUID.1:ECX.hypervisor clear\n");
    cpuid(xen_cpuid_base + 2, &a, &b, &c, &d);
    if (a < 1 || b == 0)
        xtf_failure("Fail: leaf base+2 gives %u pages at MSR %#x\n", a, b);
    if (xen_present) {
        long v = hypercall_xen_version(XENVER_version, NULL);

        if ((unsigned long)v != ((xen_version_major << 16) | xen_version_minor))
            xtf_failure("Fail: XENVER_version %#lx, CPUID says %u.%u\n", v, xen_version_major,
                        xen_version_minor);
    }
    xtf_success(NULL);
}
