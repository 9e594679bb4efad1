/**
 * @file
 * The emulator honours the user/supervisor bit.  Bug class: the
 * hypervisor's instruction emulator walking guest page tables without the
 * U/S check (user code reading or writing kernel pages through an emulated
 * instruction).  With one page made supervisor-only, proves that a user-mode
 * read of it faults with the same #PF through forced emulation as on the
 * hardware path, that a user-mode write faults too, that ring 0 still reads
 * it, and that the emulated user read succeeds once the page is user
 * accessible again.  Needs the hypervisor with forced emulation (hvm_fep).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse
 * @needs hypervisor fep
 * @xen-cmdline hvm_fep
 */
#include <xtf.h>

const char test_title[] = "Emulated user access to a supervisor page";

#define PTE_US 0x4u

static uint8_t secret[PAGE_SIZE] __aligned(PAGE_SIZE);

/* The level-1 entry of a 4 KiB mapping of va, walked from CR3 (the page
 * tables are identity mapped); NULL if va is mapped otherwise. */
static volatile uint8_t *l1e_of(const void *va)
{
    unsigned long a = (unsigned long)va;
#if CONFIG_PAGING_LEVELS == 2
    uint32_t *l2 = (uint32_t *)(read_cr3() & ~0xffful), e = l2[a >> 22];

    if (!(e & 1) || (e & 0x80))
        return NULL;
    return (volatile uint8_t *)&((uint32_t *)(unsigned long)(e & ~0xfffu))[(a >> 12) & 1023];
#else
    uint64_t *t = (uint64_t *)(read_cr3() & ~0x1ful), e;

    for (int level = CONFIG_PAGING_LEVELS; level > 1; level--) {
        unsigned int shift = 12 + 9 * (level - 1);
        /* The PAE PDPT has 4 entries (and no PSE bit). */
        bool pdpt = CONFIG_PAGING_LEVELS == 3 && level == 3;

        e = t[(a >> shift) & (pdpt ? 3 : 511)];
        if (!(e & 1) || (!pdpt && (e & 0x80)))
            return NULL;
        t = (uint64_t *)(unsigned long)(e & 0x000ffffffffff000ull);
    }
    return (volatile uint8_t *)&t[(a >> 12) & 511];
#endif
}

static unsigned long user_read(void)
{
    exinfo_t fault = 0;
    uint8_t v = 0;

    asm volatile("1: movb (%2), %1; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault), "+q"(v)
                 : "r"(secret)
                 : "memory");
    return fault;
}

static unsigned long user_read_fep(void)
{
    exinfo_t fault = 0;
    uint8_t v = 0;

    asm volatile("1: " _ASM_XEN_FEP "movb (%2), %1; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault), "+q"(v)
                 : "r"(secret)
                 : "memory");
    return fault ? fault : (v == 0x42 ? 0 : 0xbad);
}

static unsigned long user_write_fep(void)
{
    exinfo_t fault = 0;

    asm volatile("1: " _ASM_XEN_FEP "movb $0x17, (%1); 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                 : "+D"(fault)
                 : "r"(secret)
                 : "memory");
    return fault;
}

void test_main(void)
{
    volatile uint8_t *pte = l1e_of(secret);
    const exinfo_t want_read = EXINFO_SYM(PF, X86_PFEC_PRESENT | X86_PFEC_USER);
    const exinfo_t want_write = EXINFO_SYM(PF, X86_PFEC_PRESENT | X86_PFEC_USER | X86_PFEC_WRITE);
    exinfo_t ex;

    xtf_require_hypervisor();
    if (!pte || !(*pte & 1))
        return xtf_failure("Fail: no 4 KiB mapping of the test page\n");
    ex = fep_cpuid_safe(0, &(uint32_t){0}, &(uint32_t){0}, &(uint32_t){0}, &(uint32_t){0});
    if (ex)
        return xtf_failure("Fail: forced emulation unavailable (%#x) though hvm_fep is set\n", ex);
    secret[0] = 0x42;
    xtf_expect_rc("emulated user read of a user page", exec_user(user_read_fep), 0);

    *pte &= ~PTE_US;
    invlpg(secret);
    if (((volatile uint8_t *)secret)[0] != 0x42)
        xtf_failure("Fail: ring 0 lost the supervisor page\n");
    xtf_expect_rc("user read (hardware)", exec_user(user_read), want_read);
    xtf_expect_rc("user read (emulated)", exec_user(user_read_fep), want_read);
    xtf_expect_rc("user write (emulated)", exec_user(user_write_fep), want_write);
    if (secret[0] != 0x42)
        xtf_failure("Fail: the refused write changed the page (%#x)\n", secret[0]);

    *pte |= PTE_US;
    invlpg(secret);
    xtf_expect_rc("emulated user read after restoring U/S", exec_user(user_read_fep), 0);
    xtf_success(NULL);
}
