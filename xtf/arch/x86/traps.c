/*
 * The IDT, the TSS and the C half of exception handling: the exception
 * table (a fault at a listed address resumes at its fixup), registered
 * interrupt handlers, and a panic with a register dump for the rest.
 */
#include <xtf.h>

#ifdef CONFIG_64BIT
struct tss {
    uint32_t _r0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t _r1;
    uint64_t ist[7];
    uint64_t _r2;
    uint16_t _r3, iopb;
} __attribute__((packed));

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, _r;
};
#else
struct tss {
    uint16_t link, _r0;
    uint32_t esp0;
    uint16_t ss0, _r1;
    uint32_t other[22];
    uint16_t trap, iopb;
} __attribute__((packed));

struct idt_entry {
    uint16_t off_lo, sel;
    uint8_t _r, type;
    uint16_t off_hi;
};
#endif

struct tss tss __aligned(16);
static struct idt_entry idt[256] __aligned(16);
static xtf_irq_handler_t irq_handlers[X86_NR_VECTORS];

bool (*xtf_exception_hook)(struct cpu_regs *regs);
unsigned long xtf_last_cr2;

extern uint8_t exception_stubs_start[];
extern void entry_ret2kern(void);
extern uint64_t gdt[];
extern const struct extable_entry __start_ex_table[], __stop_ex_table[];
extern uint8_t boot_stack_top[];

void xtf_set_idt_entry(unsigned int vec, void (*handler)(void), unsigned int dpl)
{
    unsigned long addr = (unsigned long)handler;
    struct idt_entry *e = &idt[vec];

    e->off_lo = addr & 0xffff;
    e->sel = KERN_CS;
    e->type = 0x8e | ((dpl & 3) << 5); /* present, interrupt gate */
#ifdef CONFIG_64BIT
    e->ist = 0;
    e->off_mid = (addr >> 16) & 0xffff;
    e->off_hi = addr >> 32;
    e->_r = 0;
#else
    e->_r = 0;
    e->off_hi = addr >> 16;
#endif
}

void xtf_set_irq_handler(unsigned int vec, xtf_irq_handler_t fn)
{
    if (vec < 32 || vec >= X86_NR_VECTORS)
        panic("xtf_set_irq_handler: vector %u out of range", vec);
    irq_handlers[vec] = fn;
}

static void setup_tss(void)
{
    unsigned long base = (unsigned long)&tss;
    unsigned long limit = sizeof(tss) - 1;

#ifdef CONFIG_64BIT
    tss.rsp0 = (unsigned long)boot_stack_top;
#else
    tss.esp0 = (unsigned long)boot_stack_top;
    tss.ss0 = KERN_DS;
#endif
    tss.iopb = sizeof(tss); /* no I/O bitmap */
    gdt[GDTE_TSS] = (limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | (0x89ull << 40) |
                    ((uint64_t)((limit >> 16) & 0xf) << 48) |
                    ((uint64_t)((base >> 24) & 0xff) << 56);
#ifdef CONFIG_64BIT
    gdt[GDTE_TSS + 1] = base >> 32;
#endif
    asm volatile("ltr %w0" ::"r"(TSS_SEL));
}

void arch_setup_traps(void)
{
    struct xtf_desc_ptr p;

    setup_tss();
    for (unsigned int v = 0; v < X86_NR_VECTORS; ++v) {
        unsigned int dpl = (v == X86_EXC_BP || v == X86_EXC_OF || v == X86_VEC_USER) ? 3 : 0;
        xtf_set_idt_entry(v, (void (*)(void))(exception_stubs_start + 16 * v), dpl);
    }
    xtf_set_idt_entry(X86_VEC_RET2KERN, entry_ret2kern, 3);
    p.limit = sizeof(idt) - 1;
    p.base = (unsigned long)idt;
    asm volatile("lidt %0" ::"m"(p));
}

static const struct extable_entry *search_extable(unsigned long ip)
{
    for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; ++e)
        if (e->fault == ip)
            return e;
    return NULL;
}

static const char *const exc_names[32] = {
    [X86_EXC_DE] = "#DE", [X86_EXC_DB] = "#DB", [X86_EXC_NMI] = "NMI", [X86_EXC_BP] = "#BP",
    [X86_EXC_OF] = "#OF", [X86_EXC_BR] = "#BR", [X86_EXC_UD] = "#UD",  [X86_EXC_NM] = "#NM",
    [X86_EXC_DF] = "#DF", [X86_EXC_TS] = "#TS", [X86_EXC_NP] = "#NP",  [X86_EXC_SS] = "#SS",
    [X86_EXC_GP] = "#GP", [X86_EXC_PF] = "#PF", [X86_EXC_MF] = "#MF",  [X86_EXC_AC] = "#AC",
    [X86_EXC_MC] = "#MC", [X86_EXC_XM] = "#XM",
};

static void dump_regs(const struct cpu_regs *r)
{
    const char *name = r->entry_vector < 32 ? exc_names[r->entry_vector] : NULL;

    printk("Unhandled exception: vector %lu (%s) error code %#lx\n", r->entry_vector,
           name ? name : "?", r->error_code);
    printk("  cs:ip %04lx:%p flags %08lx\n", r->cs, (void *)r->ip, r->flags);
    printk("  ax %08lx bx %08lx cx %08lx dx %08lx\n", r->ax, r->bx, r->cx, r->dx);
    printk("  si %08lx di %08lx bp %08lx\n", r->si, r->di, r->bp);
    if (r->entry_vector == X86_EXC_PF)
        printk("  cr2 %p\n", (void *)read_cr2());
}

void do_exception(struct cpu_regs *regs)
{
    const struct extable_entry *e;

    if (regs->entry_vector == X86_EXC_PF)
        xtf_last_cr2 = read_cr2();

    if (xtf_exception_hook && xtf_exception_hook(regs))
        return;

    if (regs->entry_vector >= 32 && regs->entry_vector < X86_NR_VECTORS &&
        irq_handlers[regs->entry_vector]) {
        irq_handlers[regs->entry_vector](regs);
        return;
    }

    e = search_extable(regs->ip);
    if (e) {
        regs->ip = e->fixup;
        if (e->type == 1)
            regs->di = EXINFO(regs->entry_vector, regs->error_code);
        return;
    }

    dump_regs(regs);
    panic("Unhandled exception at %p", (void *)regs->ip);
}
