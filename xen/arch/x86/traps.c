/* Exceptions and interrupts: the IDT, per-CPU TSS with separate stacks for
 * #DF, NMI and #MC, dispatch of interrupt vectors, an exception fixup table
 * for the few instructions allowed to fault (rdmsr_safe), and the fatal path
 * that prints registers and a symbolised stack trace. */
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/string.h>
#include <xen/symbols.h>
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <xen/panic.h>

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, rsvd;
} __packed;

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];
extern char idt_stubs[];
extern uint64_t boot_gdt[];
extern struct {
    uint16_t limit;
    uint64_t base;
} __packed boot_gdtr;

static const char *const trap_names[32] = {"divide error",
                                           "debug",
                                           "NMI",
                                           "int3",
                                           "overflow",
                                           "bounds",
                                           "invalid opcode",
                                           "device not available",
                                           "double fault",
                                           "coprocessor segment",
                                           "invalid TSS",
                                           "segment not present",
                                           "stack fault",
                                           "general protection",
                                           "page fault",
                                           "reserved",
                                           "x87 FPU error",
                                           "alignment check",
                                           "machine check",
                                           "SIMD error",
                                           "virtualisation",
                                           "control protection",
                                           "reserved",
                                           "reserved",
                                           "reserved",
                                           "reserved",
                                           "reserved",
                                           "reserved",
                                           "hypervisor injection",
                                           "VMM communication",
                                           "security",
                                           "reserved"};

/* Fixups: an instruction at `insn` that faults resumes at `fixup`. */
struct extable {
    unsigned long insn, fixup;
};
extern struct extable __start_ex_table[], __stop_ex_table[];

bool rdmsr_safe(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;
    int ok = 1;

    asm volatile("1: rdmsr\n2:\n"
                 ".section .fixup,\"ax\"\n3: xor %2, %2\n jmp 2b\n.previous\n"
                 ".section ex_table,\"a\"\n .balign 8\n .quad 1b, 3b\n.previous\n"
                 : "=a"(lo), "=d"(hi), "+r"(ok)
                 : "c"(msr));
    *val = lo | ((uint64_t)hi << 32);
    return ok;
}

bool wrmsr_safe(uint32_t msr, uint64_t val)
{
    int ok = 1;

    asm volatile("1: wrmsr\n2:\n"
                 ".section .fixup,\"ax\"\n3: xor %0, %0\n jmp 2b\n.previous\n"
                 ".section ex_table,\"a\"\n .balign 8\n .quad 1b, 3b\n.previous\n"
                 : "+r"(ok)
                 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
    return ok;
}

static bool search_fixup(struct cpu_user_regs *regs)
{
    for (struct extable *e = __start_ex_table; e < __stop_ex_table; e++)
        if (e->insn == regs->rip) {
            regs->rip = e->fixup;
            return true;
        }
    return false;
}

static void set_gate(unsigned int vec, unsigned int ist)
{
    unsigned long a = (unsigned long)idt_stubs + 16 * vec;

    idt[vec] = (struct idt_entry){.off0 = a & 0xffff,
                                  .sel = GDT_CS64,
                                  .ist = ist,
                                  .type = 0x8e, /* present, DPL 0, interrupt gate */
                                  .off1 = (a >> 16) & 0xffff,
                                  .off2 = a >> 32};
}

void set_irq_handler(unsigned int vector, irq_handler_t fn)
{
    irq_handlers[vector] = fn;
}

static void load_idt(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};

    asm volatile("lidt %0" : : "m"(idtr));
}

void trap_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(TRAP_double_fault, 1);
    set_gate(TRAP_nmi, 2);
    set_gate(TRAP_machine_check, 3);
    load_idt();
}

void percpu_traps_init(unsigned int cpu)
{
    struct cpu_info *ci = per_cpu(cpu);
    unsigned int sel = GDT_TSS + 16 * cpu;
    uint64_t base = (uint64_t)&ci->tss, limit = sizeof(ci->tss) - 1;
    char *ist = alloc_xenheap_pages(2); /* 3 stacks of 4 KiB, and a spare page */

    if (!ist)
        panic("CPU%u: no memory for exception stacks", cpu);
    memset(&ci->tss, 0, sizeof(ci->tss));
    for (unsigned int i = 0; i < 3; i++)
        ci->tss.ist[i] = (uint64_t)(ist + (i + 1) * IST_STACK_SIZE);
    ci->tss.rsp[0] = ci->stack_top;
    ci->tss.iomap_base = sizeof(ci->tss);

    /* 16-byte available 64-bit TSS descriptor. */
    boot_gdt[sel / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
                        (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    boot_gdt[sel / 8 + 1] = base >> 32;

    boot_gdtr.base = (uint64_t)boot_gdt;
    asm volatile("lgdt %0" : : "m"(boot_gdtr));
    asm volatile("ltr %w0" : : "r"(sel));
    load_idt();
}

void show_registers(const struct cpu_user_regs *r)
{
    printk("CPU:    %u   RIP: %04lx:[<%016lx>] %pS\n", smp_processor_id(), (unsigned long)r->cs,
           (unsigned long)r->rip, (void *)r->rip);
    printk("RFLAGS: %016lx   vector %lu, error code %#lx\n", (unsigned long)r->rflags,
           (unsigned long)r->vector, (unsigned long)r->error_code);
    printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", (unsigned long)r->rax,
           (unsigned long)r->rbx, (unsigned long)r->rcx);
    printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", (unsigned long)r->rdx,
           (unsigned long)r->rsi, (unsigned long)r->rdi);
    printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", (unsigned long)r->rbp,
           (unsigned long)r->rsp, (unsigned long)r->r8);
    printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", (unsigned long)r->r9, (unsigned long)r->r10,
           (unsigned long)r->r11);
    printk("r12: %016lx   r13: %016lx   r14: %016lx\n", (unsigned long)r->r12,
           (unsigned long)r->r13, (unsigned long)r->r14);
    printk("r15: %016lx   cr0: %016lx   cr4: %016lx\n", (unsigned long)r->r15, read_cr0(),
           read_cr4());
    printk("cr2: %016lx   cr3: %016lx   ss: %04lx\n", read_cr2(), read_cr3(), (unsigned long)r->ss);
}

static bool stack_addr_ok(unsigned long a)
{
    /* Frames must be 8-aligned, mapped and inside the hypervisor's own
     * memory, or the walk would fault inside the fault handler. */
    if (a & 7)
        return false;
    if (!(a >= DIRECTMAP_BASE || (a >= XEN_PHYS_START && a < 0x100000000UL)))
        return false;
    return lookup_pte(a) & 1;
}

void show_stack_trace(unsigned long rbp, unsigned long rip)
{
    printk("Xen call trace:\n");
    printk("   [<%016lx>] R %pS\n", rip, (void *)rip);
    for (unsigned int depth = 0; depth < 32 && rbp && stack_addr_ok(rbp) && stack_addr_ok(rbp + 8);
         depth++) {
        unsigned long *frame = (unsigned long *)rbp;
        unsigned long ret = frame[1];

        if (!ret)
            break;
        printk("   [<%016lx>] F %pS\n", ret, (void *)ret);
        if (frame[0] <= rbp)
            break; /* stacks grow down: a frame link must point upwards */
        rbp = frame[0];
    }
}

void __noreturn fatal_trap(const struct cpu_user_regs *regs, const char *why)
{
    char msg[128];

    panic_start();
    printk(XENLOG_ERR "\n****************************************\n");
    printk(XENLOG_ERR "FATAL TRAP: %s\n", why);
    show_registers(regs);
    show_stack_trace(regs->rbp, regs->rip);
    snprintf(msg, sizeof(msg), "FATAL TRAP: vector %lu (%s) at %pS", (unsigned long)regs->vector,
             why, (void *)regs->rip);
    panic_finish(msg);
}

void do_nmi(struct cpu_user_regs *regs);
void do_trap(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->vector;

    if (vec == TRAP_nmi) {
        do_nmi(regs);
        return;
    }
    if (vec < 32) {
        if (search_fixup(regs))
            return;
        fatal_trap(regs, trap_names[vec]);
    }
    struct cpu_info *ci = this_cpu();
    uint64_t t0 = rdtsc();

    ci->irq_count++;
    if (irq_handlers[vec])
        irq_handlers[vec](regs);
    else if (vec != SPURIOUS_VECTOR) {
        printk(XENLOG_WARNING "CPU%u: unexpected interrupt vector %#x\n", smp_processor_id(), vec);
        apic_eoi();
    }
    ci->irq_cycles += rdtsc() - t0;
}
