/*
 * Start-up code for secondary CPUs. It is copied to AP_TRAMPOLINE (below
 * 1 MiB) and entered by the STARTUP IPI in real mode at AP_TRAMPOLINE:0.
 * It switches to protected mode, enables PAE paging with the hypervisor's
 * page tables (trampoline_cr3, patched by the boot CPU) and long mode, then
 * jumps to ap_start64 in the image.
 */
#include <asm/config.h>

#define TR(sym) (AP_TRAMPOLINE + (sym - trampoline_start))

        .section .text, "ax", @progbits
        .code16
        .global trampoline_start, trampoline_end, trampoline_cr3
        .balign 16
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   tramp_gdtr - trampoline_start
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $GDT_CS32, $TR(tramp32)

        .code32
tramp32:
        mov     $GDT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $0x20, %eax             /* PAE */
        mov     %eax, %cr4
        mov     TR(trampoline_cr3), %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx
        rdmsr
        or      $0x900, %eax            /* LME, NXE */
        wrmsr
        mov     %cr0, %eax
        or      $0x80010001, %eax       /* PG, WP, PE */
        mov     %eax, %cr0
        ljmpl   $GDT_CS64, $ap_start64

        .balign 8
tramp_gdt:
        .quad   0
        .quad   0x00af9b000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf93000000ffff      /* 0x10: data */
        .quad   0x00cf9b000000ffff      /* 0x18: 32-bit code */
tramp_gdtr:
        .short  tramp_gdtr - tramp_gdt - 1
        .long   TR(tramp_gdt)
        .balign 4
trampoline_cr3:
        .long   0
trampoline_end:

        .code64
ap_start64:
        lgdt    boot_gdtr(%rip)
        mov     $GDT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        /* Find our CPU number from our APIC id (CPUID leaf 0xB when the
         * CPU has it, else leaf 1), so all CPUs can start at once. */
        mov     $1, %eax
        cpuid
        shr     $24, %ebx
        mov     %ebx, %edi
        xor     %eax, %eax
        cpuid
        cmp     $0xb, %eax
        jb      1f
        mov     $0xb, %eax
        xor     %ecx, %ecx
        cpuid
        mov     %edx, %edi
1:      lea     ap_apic_ids(%rip), %rsi
        xor     %ecx, %ecx
2:      cmp     (%rsi,%rcx,4), %edi
        je      3f
        inc     %ecx
        cmp     $NR_CPUS, %ecx
        jb      2b
4:      cli                             /* not a CPU we were asked to start */
        hlt
        jmp     4b
3:      lea     ap_stacks(%rip), %rsi
        mov     (%rsi,%rcx,8), %rsp
        mov     %ecx, %edi
        xor     %ebp, %ebp
        call    start_secondary
        ud2
