/*
 * Start of day: the PVH entry (32-bit flat protected mode, paging off,
 * EBX = hvm_start_info), the GDT, the boot page tables of each paging mode,
 * and the switch to the environment's mode before xtf_main().
 */
#include <xtf/config.h>

#define PTE_P     0x001
#define PTE_RW    0x002
#define PTE_US    0x004
#define PTE_PSE   0x080
#define PTE_LEAF  (PTE_P | PTE_RW | PTE_US)
#define PTE_SUPER (PTE_LEAF | PTE_PSE)

/* ELF note: XEN_ELFNOTE_PHYS32_ENTRY (18). */
        .section .note.Xen, "a", @note
        .align 4
        .long 4, 4, 18
        .asciz "Xen"
        .long _pvh_start

        .section .text.head, "ax", @progbits
        .code32
        .global _elf_start
_elf_start:                     /* ELF entry: no start info */
        xor     %ebx, %ebx
        .global _pvh_start
_pvh_start:
        cld
        cli
        mov     %ebx, %esi

        /* Zero .bss (a loader may not have). */
        mov     $__bss_start, %edi
        mov     $_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb

        mov     %esi, pvh_start_info_pa

        lgdt    gdt_ptr
        mov     $KERN_DS, %eax
        mov     %eax, %ss
        mov     $USER_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %fs
        mov     %eax, %gs
        ljmp    $KERN_CS32, $1f
1:      mov     $boot_stack_top, %esp

#if CONFIG_PAGING_LEVELS == 2
        mov     %cr4, %eax
        or      $0x10, %eax
        mov     %eax, %cr4
        mov     $pse_l2_identmap, %eax
        mov     %eax, %cr3
#elif CONFIG_PAGING_LEVELS >= 3
        mov     %cr4, %eax
        or      $0x20, %eax     /* CR4.PAE */
        mov     %eax, %cr4
#if CONFIG_PAGING_LEVELS == 3
        mov     $pae_l3_identmap, %eax
#else
        mov     $l4_identmap, %eax
#endif
        mov     %eax, %cr3
#endif

#if CONFIG_PAGING_LEVELS == 4
        mov     $0xc0000080, %ecx /* EFER.LME */
        rdmsr
        or      $0x100, %eax
        wrmsr
#endif

#if CONFIG_PAGING_LEVELS > 0
        mov     %cr0, %eax
        or      $0x80010000, %eax /* CR0.PG | CR0.WP */
        mov     %eax, %cr0
#endif

#ifdef CONFIG_64BIT
        ljmp    $KERN_CS64, $start64
        .code64
start64:
        mov     $KERN_DS, %eax
        mov     %eax, %ss
        mov     $boot_stack_top, %rsp
        call    xtf_main
        ud2a
#else
        call    xtf_main
        ud2a
#endif

        .data
        .p2align 4
        .global gdt
gdt:
        .quad 0
        .quad 0x00af9b000000ffff /* KERN_CS64 */
        .quad 0x00cf9b000000ffff /* KERN_CS32 */
        .quad 0x00cf93000000ffff /* KERN_DS */
        .quad 0x00affb000000ffff /* USER_CS64 */
        .quad 0x00cffb000000ffff /* USER_CS32 */
        .quad 0x00cff3000000ffff /* USER_DS */
        .quad 0, 0               /* TSS, filled by setup */
gdt_end:
        .p2align 3
gdt_ptr:
        .word gdt_end - gdt - 1
        .long gdt, 0

        .global pvh_start_info_pa
pvh_start_info_pa:
        .long 0

/*
 * Identity map of the low 4 GiB, user accessible, with the first 4 KiB
 * page (the NULL page) not present.
 */
        .p2align 12
#if CONFIG_PAGING_LEVELS >= 3
l1_identmap:
        .quad 0
        .set i, 1
        .rept 511
        .quad (i << 12) | PTE_LEAF
        .set i, i + 1
        .endr
        .global l2_identmap
l2_identmap:
        .long l1_identmap + PTE_LEAF, 0
        .set i, 1
        .rept 2047
        .quad (i << 21) | PTE_SUPER
        .set i, i + 1
        .endr
#if CONFIG_PAGING_LEVELS == 3
        .global pae_l3_identmap
pae_l3_identmap:
        .long l2_identmap + 0x0000 + PTE_P, 0
        .long l2_identmap + 0x1000 + PTE_P, 0
        .long l2_identmap + 0x2000 + PTE_P, 0
        .long l2_identmap + 0x3000 + PTE_P, 0
#else
l3_identmap:
        .long l2_identmap + 0x0000 + PTE_LEAF, 0
        .long l2_identmap + 0x1000 + PTE_LEAF, 0
        .long l2_identmap + 0x2000 + PTE_LEAF, 0
        .long l2_identmap + 0x3000 + PTE_LEAF, 0
        .fill 508, 8, 0
        .global l4_identmap
l4_identmap:
        .long l3_identmap + PTE_LEAF, 0
        .fill 511, 8, 0
#endif
#elif CONFIG_PAGING_LEVELS == 2
l1_identmap:
        .long 0
        .set i, 1
        .rept 1023
        .long (i << 12) | PTE_LEAF
        .set i, i + 1
        .endr
        .global pse_l2_identmap
pse_l2_identmap:
        .long l1_identmap + PTE_LEAF
        .set i, 1
        .rept 1023
        .long (i << 22) | PTE_SUPER
        .set i, i + 1
        .endr
#endif

        .section .bss.page_aligned, "aw", @nobits
        .p2align 12
boot_stack:
        .skip 4 * 4096
        .global boot_stack_top
boot_stack_top:
        .global user_stack
user_stack:
        .skip 4096
        .global user_stack_top
user_stack_top:

/* Filled by the hypervisor; int3 until then so that a stray call traps. */
        .section .data.page_aligned, "aw", @progbits
        .p2align 12
        .global hypercall_page
hypercall_page:
        .fill 4096, 1, 0xcc
