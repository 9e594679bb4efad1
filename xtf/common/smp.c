/*
 * Secondary vCPUs: start vCPU `id` with VCPUOP_initialise + VCPUOP_up in
 * this environment's mode (same paging, GDT and IDT as vCPU 0), running
 * fn(id) on the stack given; when fn returns the vCPU takes itself down.
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

#define STR_(x) #x
#define STR(x)  STR_(x)

struct xtf_desc_ptr xtf_ap_idt, xtf_ap_gdt;
void xtf_ap_entry(void);

#ifdef CONFIG_64BIT
/* RDI = id, RSI = fn, RSP = stack; long mode already on (64-bit context). */
asm(".pushsection .text\n"
    ".global xtf_ap_entry\n"
    "xtf_ap_entry:\n"
    "    lgdt xtf_ap_gdt\n"
    "    mov $" STR(KERN_DS) ", %eax\n"
                             "    mov %eax, %ss\n"
                             "    mov $" STR(
                                 USER_DS) ", %eax\n"
                                          "    mov %eax, %ds\n"
                                          "    mov %eax, %es\n"
                                          "    mov %eax, %fs\n"
                                          "    mov %eax, %gs\n"
                                          "    pushq $" STR(
                                              KERN_CS64) "\n"
                                                         "    pushq $1f\n"
                                                         "    lretq\n"
                                                         "1:  lidt xtf_ap_idt\n"
                                                         "    mov %edi, %ebx\n"
                                                         "    call *%rsi\n"
                                                         "    mov %ebx, %esi\n" /* vCPU id */
                                                         "    mov $2, %edi\n"   /* VCPUOP_down */
                                                         "    xor %edx, %edx\n"
                                                         "    call hypercall_page + 24 * 32\n"
                                                         "2:  hlt\n"
                                                         "    jmp 2b\n"
                                                         ".popsection\n");
#else
/* EAX = id, EBX = fn, ESP = stack; paging as the context sets it. */
asm(".pushsection .text\n"
    ".global xtf_ap_entry\n"
    "xtf_ap_entry:\n"
    "    lgdt xtf_ap_gdt\n"
    "    mov $" STR(KERN_DS) ", %ecx\n"
                             "    mov %ecx, %ss\n"
                             "    mov $" STR(
                                 USER_DS) ", %ecx\n"
                                          "    mov %ecx, %ds\n"
                                          "    mov %ecx, %es\n"
                                          "    mov %ecx, %fs\n"
                                          "    mov %ecx, %gs\n"
                                          "    ljmp $" STR(
                                              KERN_CS32) ", $1f\n"
                                                         "1:  lidt xtf_ap_idt\n"
                                                         "    mov %eax, %esi\n"
                                                         "    push %eax\n"
                                                         "    call *%ebx\n"
                                                         "    mov $2, %ebx\n" /* VCPUOP_down */
                                                         "    mov %esi, %ecx\n"
                                                         "    xor %edx, %edx\n"
                                                         "    call hypercall_page + 24 * 32\n"
                                                         "2:  hlt\n"
                                                         "    jmp 2b\n"
                                                         ".popsection\n");
#endif

long xtf_vcpu_start(unsigned int id, void (*fn)(unsigned int), void *stack_top)
{
    struct vcpu_hvm_context c;
    long rc;

    sidt(&xtf_ap_idt);
    sgdt(&xtf_ap_gdt);
    memset(&c, 0, sizeof(c));
#ifdef CONFIG_64BIT
    c.mode = VCPU_HVM_MODE_64B;
    c.cpu_regs.x86_64.rip = (unsigned long)xtf_ap_entry;
    c.cpu_regs.x86_64.rsp = (unsigned long)stack_top & ~15ul;
    c.cpu_regs.x86_64.rdi = id;
    c.cpu_regs.x86_64.rsi = (unsigned long)fn;
    c.cpu_regs.x86_64.rflags = 2;
    c.cpu_regs.x86_64.cr0 = read_cr0();
    c.cpu_regs.x86_64.cr3 = read_cr3();
    c.cpu_regs.x86_64.cr4 = read_cr4();
    c.cpu_regs.x86_64.efer = rdmsr(MSR_EFER);
#else
    struct vcpu_hvm_x86_32 *x = &c.cpu_regs.x86_32;

    c.mode = VCPU_HVM_MODE_32B;
    x->eip = (uint32_t)(unsigned long)xtf_ap_entry;
    x->esp = (uint32_t)(unsigned long)stack_top & ~15u;
    x->eax = id;
    x->ebx = (uint32_t)(unsigned long)fn;
    x->eflags = 2;
    x->cr0 = read_cr0();
    x->cr3 = read_cr3();
    x->cr4 = read_cr4();
    x->cs_limit = x->ds_limit = x->ss_limit = x->es_limit = 0xffffffff;
    x->cs_ar = 0xc9b;
    x->ds_ar = x->ss_ar = x->es_ar = 0xc93;
    x->tr_limit = 0x67;
    x->tr_ar = 0x8b;
#endif
    rc = hypercall_vcpu_op(VCPUOP_initialise, id, &c);
    if (rc)
        return rc;
    return hypercall_vcpu_op(VCPUOP_up, id, NULL);
}

unsigned int xtf_vcpu_id(void)
{
    uint32_t a, b, c, d;

    cpuid(1, &a, &b, &c, &d);
    return b >> 24;
}

/* Long enough for a vCPU that QEMU runs late on a loaded host. */
#define READY_YIELDS 200000

bool xtf_vcpu_start_ready(unsigned int id, void (*fn)(unsigned int), void *stack_top,
                          volatile unsigned int *ready)
{
    long rc = xtf_vcpu_start(id, fn, stack_top);

    if (rc) {
        xtf_failure("Fail: start of vCPU %u: %ld\n", id, rc);
        return false;
    }
    for (unsigned int i = 0; i < READY_YIELDS && !*ready; i++)
        hypercall_yield();
    if (!*ready)
        xtf_failure("Fail: vCPU %u never got ready\n", id);
    return *ready;
}
