/**
 * @file
 * The hypercall page: proves every one of its 128 32-byte stubs is
 * "mov $nr, %eax; vmmcall (or vmcall); ret" for its own number, that
 * writing the hypercall MSR again with another page fills that page the
 * same way and a call through it works, and that a page address with low
 * bits set or with no RAM behind it is refused with #GP.  Bug class: a
 * hypervisor writing the page outside guest RAM or stubs that jump to the
 * wrong hypercall.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "Hypercall page layout";

static uint8_t page2[PAGE_SIZE] __aligned(PAGE_SIZE);

static void check_page(const char *what, const uint8_t *p)
{
    for (uint32_t nr = 0; nr < PAGE_SIZE / 32; nr++) {
        const uint8_t *s = p + nr * 32;
        uint32_t imm;

        memcpy(&imm, s + 1, 4);
        if (s[0] != 0xb8 || imm != nr || s[5] != 0x0f || s[6] != 0x01 ||
            (s[7] != 0xd9 && s[7] != 0xc1) || s[8] != 0xc3) {
            xtf_failure("Fail: %s stub %u: %02x %02x%02x%02x%02x %02x %02x %02x %02x\n", what, nr,
                        s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
            return;
        }
    }
}

void test_main(void)
{
    uint32_t a, b, c, d, msr;
    long rc;

    xtf_require_hypervisor();
    cpuid(xen_cpuid_base + 2, &a, &b, &c, &d);
    msr = b;
    if (a < 1)
        xtf_failure("Fail: CPUID says %u hypercall pages\n", a);
    check_page("framework page", hypercall_page);

    memset(page2, 0xaa, sizeof(page2));
    if (wrmsr_safe(msr, (unsigned long)page2))
        return xtf_failure("Fail: hypercall MSR write for a second page faulted\n");
    check_page("second page", page2);
    /* Call xen_version through the second page. */
#ifdef CONFIG_64BIT
    asm volatile("call *%1"
                 : "=a"(rc)
                 : "r"(page2 + 17 * 32), "D"(0ul), "S"(0ul)
                 : "memory", "rcx", "r11", "rdx", "r8", "r9", "r10");
#else
    asm volatile("call *%1"
                 : "=a"(rc)
                 : "r"(page2 + 17 * 32), "b"(0ul), "c"(0ul)
                 : "memory", "edx");
#endif
    if (rc != (long)cpuid_eax(xen_cpuid_base + 1))
        xtf_failure("Fail: xen_version through the second page gave %#lx\n", rc);

    if (wrmsr_safe(msr, (unsigned long)page2 | 1) != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: hypercall MSR with low bits set did not #GP\n");
    if (wrmsr_safe(msr, 0xdeadf000ul) != EXINFO_SYM(GP, 0))
        xtf_failure("Fail: hypercall MSR for a page with no RAM did not #GP\n");
    /* Back to the framework's page; it must still work. */
    if (wrmsr_safe(msr, (unsigned long)hypercall_page))
        xtf_failure("Fail: restoring the framework page faulted\n");
    check_page("framework page again", hypercall_page);
    if (xtf_status_is_success())
        xtf_success(NULL);
}
