/**
 * @file
 * The hypervisor CPUID leaves and hidden features: proves leaf 0x40000000
 * gives the "XenVMMXenVMM" signature and a maximum leaf of at least
 * 0x40000004, leaf 1 the version xen_version reports, leaf 2 at least one
 * hypercall page and the MSR the framework used, leaf 4 (when it says so)
 * vCPU id 0 and the domain id the runner gave this domain, and that the
 * guest sees the hypervisor bit but no VMX, no SVM, no XSAVE/OSXSAVE and
 * no monitor/mwait.  Bug class: leaking host virtualisation features
 * the hypervisor does not virtualise.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 * @companion peer test=example
 */
#include <xtf.h>

const char test_title[] = "Xen CPUID leaves";

void test_main(void)
{
    uint32_t a, b, c, d, base;
    char sig[13];
    domid_t me;

    xtf_require_hypervisor();
    base = xen_cpuid_base;
    cpuid(base, &a, &b, &c, &d);
    memcpy(sig, &b, 4);
    memcpy(sig + 4, &c, 4);
    memcpy(sig + 8, &d, 4);
    sig[12] = 0;
    if (strcmp(sig, "XenVMMXenVMM"))
        xtf_failure("Fail: signature '%s'\n", sig);
    if (a < base + 4)
        xtf_failure("Fail: maximum hypervisor leaf %#x\n", a);
    if (cpuid_eax(base + 1) != (uint32_t)hypercall_xen_version(XENVER_version, NULL))
        xtf_failure("Fail: leaf 1 %#x differs from xen_version\n", cpuid_eax(base + 1));
    cpuid(base + 2, &a, &b, &c, &d);
    if (a < 1 || b != 0x40000000u)
        xtf_failure("Fail: leaf 2: %u pages, MSR %#x\n", a, b);
    cpuid_count(base + 4, 0, &a, &b, &c, &d);
    if (xtf_domids("primary", &me, 1) != 1)
        xtf_failure("Fail: no primary domid on the command line\n");
    else if ((a & (1u << 4)) && c != me)
        xtf_failure("Fail: leaf 4 domid %u, runner says %u\n", c, me);
    if ((a & (1u << 3)) && b != 0)
        xtf_failure("Fail: leaf 4 vCPU id %u on vCPU 0\n", b);
    if (!(a & (1u << 4)) && xen_domid != DOMID_INVALID)
        xtf_failure("Fail: framework found a domid without leaf 4 offering one\n");

    c = cpuid_ecx(1);
    if (!(c & (1u << 31)))
        xtf_failure("Fail: hypervisor bit clear\n");
    if (c & (1u << 5))
        xtf_failure("Fail: VMX visible\n");
    if (c & ((1u << 26) | (1u << 27)))
        xtf_failure("Fail: XSAVE/OSXSAVE visible (ecx %#x)\n", c);
    if (c & (1u << 3))
        xtf_failure("Fail: MONITOR visible\n");
    if (cpuid_eax(0x80000000) >= 0x80000001 && (cpuid_ecx(0x80000001) & (1u << 2)))
        xtf_failure("Fail: SVM visible\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
