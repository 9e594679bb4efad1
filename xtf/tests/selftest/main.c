/**
 * @file
 * Framework self test.  Proves that the environment is what it claims
 * (CPU mode and paging mode), that the exception table recovers from #UD,
 * #GP, #DE, #BP and #PF (NULL pointer) with the right vector and error
 * code, that the IDT holds the expected gates, that user mode runs in ring 3
 * and returns, faults in user mode are recovered, and the exception hook
 * sees exceptions first.  Under a hypervisor it also checks grant table
 * setup (memory_op must answer), and reads the domid from xenstore (the
 * runner boots it with the xenstore domain; without one that check is
 * not run).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs xenstore
 */
#include <xtf.h>

const char test_title[] = "Framework self test";

static unsigned int checks;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        ++checks;                                                                                  \
        if (!(cond))                                                                               \
            xtf_failure("Fail: " __VA_ARGS__);                                                     \
    } while (0)

static void test_environment(void)
{
    unsigned long cr0 = read_cr0(), cr4 = read_cr4();
    uint64_t efer = 0;
    bool lma;

    rdmsr_safe(MSR_EFER, &efer);
    lma = efer & EFER_LMA;
    printk("  cr0 %08lx cr4 %08lx efer %08llx cs %04x\n", cr0, cr4, (unsigned long long)efer,
           read_cs());
    CHECK(cr0 & X86_CR0_PE, "CR0.PE clear\n");
#if CONFIG_PAGING_LEVELS < 4
    CHECK(!lma, "EFER.LMA set in a 32-bit environment\n");
#endif
    CHECK(read_cs() == KERN_CS, "CS %#x, expected %#x\n", read_cs(), KERN_CS);
#if CONFIG_PAGING_LEVELS == 4
    CHECK((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && lma, "not in long mode\n");
    CHECK(sizeof(void *) == 8, "not a 64-bit build\n");
#elif CONFIG_PAGING_LEVELS == 3
    CHECK((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !lma, "not in PAE paging\n");
#elif CONFIG_PAGING_LEVELS == 2
    CHECK((cr0 & X86_CR0_PG) && !(cr4 & X86_CR4_PAE) && (cr4 & X86_CR4_PSE),
          "not in 2-level PSE paging\n");
#else
    CHECK(!(cr0 & X86_CR0_PG), "paging enabled in a no-paging environment\n");
#endif
}

static void test_extable(void)
{
    exinfo_t ex;
    uint64_t val;
    uint8_t b;

    ex = ud2_safe();
    CHECK(ex == EXINFO_SYM(UD, 0), "ud2: got %#x, expected #UD\n", ex);

    {
        /* A selector beyond the GDT limit: #GP with the selector as error code. */
        exinfo_t fault = 0;
        unsigned int sel = 0x1230;

        asm volatile("1: mov %[sel], %%es; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                     : "+D"(fault)
                     : [sel] "r"(sel));
        asm volatile("mov %0, %%es" ::"r"(USER_DS));
        CHECK(fault == EXINFO_SYM(GP, 0x1230), "bad selector: got %#x, expected #GP(0x1230)\n",
              fault);
    }

    /* Unknown MSRs fault under a hypervisor; bare QEMU (TCG) ignores them. */
    if (xen_present) {
        ex = rdmsr_safe(0xdeadbeef, &val);
        CHECK(ex == EXINFO_SYM(GP, 0), "rdmsr(bad): got %#x, expected #GP(0)\n", ex);
        ex = wrmsr_safe(0xdeadbeef, 0);
        CHECK(ex == EXINFO_SYM(GP, 0), "wrmsr(bad): got %#x, expected #GP(0)\n", ex);
    } else {
        (void)val;
    }

    {
        exinfo_t fault = 0;
        unsigned long num = 1, zero = 0;

        asm volatile("1: div %[z]; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b)
                     : "+D"(fault), "+a"(num)
                     : [z] "r"(zero), "d"(0ul));
        CHECK(fault == EXINFO_SYM(DE, 0), "div by zero: got %#x, expected #DE\n", fault);
    }

    {
        /* #BP is a trap: the reported ip is after int3, so the entry is at 2. */
        exinfo_t fault = 0;

        asm volatile("int3; 2:\n\t" _ASM_EXTABLE_REC(2b, 2b) : "+D"(fault));
        CHECK(fault == EXINFO_SYM(BP, 0), "int3: got %#x, expected #BP\n", fault);
    }

    ex = read_byte_safe(NULL, &b);
#if CONFIG_PAGING_LEVELS > 0
    CHECK(ex == EXINFO_SYM(PF, 0), "NULL read: got %#x, expected #PF(0)\n", ex);
    CHECK(xtf_last_cr2 == 0, "NULL read: cr2 %#lx\n", xtf_last_cr2);
    ex = write_byte_safe((void *)16, 0);
    CHECK(ex == EXINFO_SYM(PF, X86_PFEC_WRITE), "NULL write: got %#x, expected #PF(W)\n", ex);
    CHECK(xtf_last_cr2 == 16, "NULL write: cr2 %#lx\n", xtf_last_cr2);
    ex = read_byte_safe((void *)0x1000, &b);
    CHECK(ex == 0, "read of page 1: got %#x\n", ex);
#else
    CHECK(ex == 0, "NULL read without paging: got %#x\n", ex);
#endif
}

struct gate {
    unsigned long addr;
    unsigned int sel, type, dpl, present;
};

static struct gate read_gate(unsigned int vec)
{
    struct xtf_desc_ptr idtr;
    struct gate g;

    sidt(&idtr);
#ifdef CONFIG_64BIT
    const uint32_t *e = (const uint32_t *)(idtr.base + vec * 16);
    g.addr = (e[0] & 0xffff) | (e[1] & 0xffff0000) | ((unsigned long)e[2] << 32);
#else
    const uint32_t *e = (const uint32_t *)(idtr.base + vec * 8);
    g.addr = (e[0] & 0xffff) | (e[1] & 0xffff0000);
#endif
    g.sel = e[0] >> 16;
    g.type = (e[1] >> 8) & 0xf;
    g.dpl = (e[1] >> 13) & 3;
    g.present = (e[1] >> 15) & 1;
    return g;
}

static void test_idt(void)
{
    struct xtf_desc_ptr idtr;
    struct gate pf = read_gate(X86_EXC_PF), gp = read_gate(X86_EXC_GP);
    struct gate bp = read_gate(X86_EXC_BP), r2k = read_gate(X86_VEC_RET2KERN);

    sidt(&idtr);
    CHECK(idtr.limit >= X86_NR_VECTORS * (sizeof(void *) * 2) - 1, "IDT limit %#x\n", idtr.limit);
    CHECK(pf.present && pf.sel == KERN_CS && pf.type == 0xe && pf.dpl == 0,
          "#PF gate: p %u sel %#x type %#x dpl %u\n", pf.present, pf.sel, pf.type, pf.dpl);
    CHECK(gp.addr + 16 == pf.addr, "#GP/#PF stubs at %#lx/%#lx, not adjacent\n", gp.addr, pf.addr);
    CHECK(bp.dpl == 3, "#BP gate DPL %u, expected 3\n", bp.dpl);
    CHECK(r2k.present && r2k.dpl == 3, "return-to-kernel gate missing\n");
    CHECK(str() == TSS_SEL, "TR %#x, expected %#x\n", str(), TSS_SEL);
}

static unsigned long user_cpl(void)
{
    return read_cs() & 3;
}

static unsigned long user_ud(void)
{
    return ud2_safe();
}

static unsigned long user_cli(void)
{
    exinfo_t fault = 0;

    asm volatile("1: cli; 2:\n\t" _ASM_EXTABLE_REC(1b, 2b) : "+D"(fault));
    return fault;
}

static unsigned long user_param(unsigned long x)
{
    return x * 3 + (read_cs() & 3);
}

static void test_user(void)
{
    unsigned long r;

    r = exec_user(user_cpl);
    CHECK(r == 3, "user mode CPL %lu, expected 3\n", r);
    r = exec_user(user_ud);
    CHECK(r == EXINFO_SYM(UD, 0), "user ud2: got %#lx, expected #UD\n", r);
    r = exec_user(user_cli);
    CHECK(r == EXINFO_SYM(GP, 0), "user cli: got %#lx, expected #GP(0)\n", r);
    r = exec_user_param(user_param, 14);
    CHECK(r == 45, "user mode with a parameter: got %lu, expected 45\n", r);
    CHECK(read_cs() == KERN_CS, "back from user mode with CS %#x\n", read_cs());
}

static unsigned int hook_hits;

static bool hook(struct cpu_regs *regs)
{
    if (regs->entry_vector != X86_EXC_UD)
        return false;
    ++hook_hits;
    regs->ip += 2; /* skip ud2 */
    return true;
}

static void test_hook(void)
{
    xtf_exception_hook = hook;
    asm volatile("ud2a");
    xtf_exception_hook = NULL;
    CHECK(hook_hits == 1, "exception hook saw %u #UD, expected 1\n", hook_hits);
}

static void test_xen(void)
{
    char buf[32];
    long rc;

    if (!xen_present) {
        printk("  no hypervisor: xenstore and grant table checks not run\n");
        return;
    }
    rc = xenstore_read("domid", buf, sizeof(buf));
    if (rc == -ENODEV) {
        /* HVM_PARAM_STORE_PFN is 0: no xenstore domain in this boot. */
        printk("  no xenstore in this boot: xenstore check not run\n");
    } else {
        CHECK(rc > 0, "xenstore read domid: %ld\n", rc);
        if (rc > 0 && xen_domid != DOMID_INVALID)
            CHECK(strtoul(buf, NULL, 10) == xen_domid, "xenstore domid %s, CPUID says %u\n", buf,
                  xen_domid);
    }
    CHECK(gnttab_v1_setup(&rc) != NULL, "grant table setup: %ld\n", rc);
}

void test_main(void)
{
    printk("Environment checks\n");
    test_environment();
    printk("Exception table\n");
    test_extable();
    printk("IDT\n");
    test_idt();
    printk("User mode\n");
    test_user();
    printk("Exception hook\n");
    test_hook();
    printk("Hypervisor interfaces\n");
    test_xen();
    printk("%u checks\n", checks);
    xtf_success(NULL);
}
