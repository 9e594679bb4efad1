/*
 * Entry from a multiboot1 or multiboot2 loader: 32-bit protected mode, paging
 * off, EAX = loader magic, EBX = physical address of the loader's information.
 * We build identity page tables for the first 4 GiB, enter long mode and call
 * __start_xen(magic, info) on the boot stack. The headers use fixed load
 * addresses (multiboot1's a.out kludge, multiboot2's address tag), so loaders
 * load the image as it is linked whatever its container format.
 */
#include <asm/config.h>

#define MB1_MAGIC        0x1BADB002
#define MB1_FLAGS        0x00010003 /* page-aligned modules, memory map, addresses */
#define MB2_MAGIC        0xE85250D6
#define COM1             0x3F8

        .section .text.head, "ax", @progbits
        .code32
        .global start
start:
        jmp     start32

        .balign 4
mb1_header:
        .long   MB1_MAGIC
        .long   MB1_FLAGS
        .long   -(MB1_MAGIC + MB1_FLAGS)
        .long   mb1_header      /* header_addr */
        .long   __image_start   /* load_addr */
        .long   __load_end      /* load_end_addr */
        .long   __bss_end       /* bss_end_addr */
        .long   start32         /* entry_addr */

        .balign 8
mb2_header:
        .long   MB2_MAGIC
        .long   0               /* architecture: i386 protected mode */
        .long   mb2_header_end - mb2_header
        .long   -(MB2_MAGIC + (mb2_header_end - mb2_header))
        /* information request: command line, modules, memory map, ACPI */
        .balign 8
1:      .short  1, 0
        .long   2f - 1b
        .long   1, 3, 6, 14, 15
2:      .balign 8
        /* address tag */
1:      .short  2, 0
        .long   2f - 1b
        .long   mb2_header, __image_start, __load_end, __bss_end
2:      .balign 8
        /* entry address tag */
1:      .short  3, 0
        .long   2f - 1b
        .long   start32
2:      .balign 8
        /* module alignment tag: page aligned modules */
1:      .short  6, 0
        .long   2f - 1b
2:      .balign 8
        /* end tag */
        .short  0, 0
        .long   8
mb2_header_end:

/* Print the NUL-terminated string at %esi on COM1, then halt forever. Used
 * only before long mode, where nothing else can report a problem. */
early_fail:
        mov     $COM1 + 5, %dx
1:      in      %dx, %al
        test    $0x20, %al
        jz      1b
        mov     $COM1, %dx
        lodsb
        test    %al, %al
        jz      2f
        out     %al, %dx
        jmp     early_fail
2:      cli
        hlt
        jmp     2b

start32:
        cli
        cld
        mov     %eax, %edi              /* loader magic */
        mov     %ebx, %ebp              /* loader information */

        /* Zero the BSS (the boot stack and page tables live there). */
        mov     %edi, %edx
        mov     $__bss_start, %edi
        mov     $__bss_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        mov     %edx, %edi

        mov     $boot_stack_top, %esp

        /* Long mode and NX are required. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode
        mov     %edx, %esi              /* keep NX support (bit 20) */

        /* Identity map 0..4 GiB with 2 MiB pages: PML4[0] -> PDPT[0..3] -> 4 PDs. */
        mov     $boot_pdpt, %eax
        or      $0x3, %eax
        mov     %eax, boot_pml4
        mov     $boot_pd, %ebx
        xor     %ecx, %ecx
1:      mov     %ebx, %eax
        or      $0x3, %eax
        mov     %eax, boot_pdpt(,%ecx,8)
        add     $4096, %ebx
        inc     %ecx
        cmp     $4, %ecx
        jb      1b
        xor     %ecx, %ecx              /* 2048 entries of 2 MiB */
1:      mov     %ecx, %eax
        shl     $21, %eax
        or      $0x83, %eax             /* present, writable, large */
        mov     %eax, boot_pd(,%ecx,8)
        mov     %ecx, %eax
        shr     $11, %eax
        mov     %eax, boot_pd + 4(,%ecx,8)
        inc     %ecx
        cmp     $2048, %ecx
        jb      1b

        /* PAE, then the page tables, then EFER.LME (+NXE), then paging. */
        mov     %cr4, %eax
        or      $0x20, %eax
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx
        rdmsr
        or      $0x100, %eax
        bt      $20, %esi
        jnc     1f
        or      $0x800, %eax
1:      wrmsr
        mov     %cr0, %eax
        or      $0x80010001, %eax       /* PG, WP, PE */
        mov     %eax, %cr0

        lgdt    boot_gdtr
        ljmp    $GDT_CS64, $start64

no_long_mode:
        mov     $msg_no_long_mode, %esi
        jmp     early_fail

        .code64
start64:
        mov     $GDT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $boot_stack_top, %rsp
        mov     %edi, %edi              /* first argument: loader magic */
        mov     %ebp, %esi              /* second: loader information */
        xor     %ebp, %ebp              /* ends stack traces */
        call    __start_xen
        ud2

        .section .rodata.head, "a", @progbits
msg_no_long_mode:
        .asciz  "xen: this CPU does not support x86-64 long mode; cannot boot\r\n"

        .data
        .balign 8
        .global boot_gdtr
boot_gdtr:
        .short  boot_gdt_end - boot_gdt - 1
        .quad   boot_gdt
        .balign 16
        .global boot_gdt
boot_gdt:
        .quad   0
        .quad   0x00af9b000000ffff      /* 0x08: 64-bit code */
        .quad   0x00cf93000000ffff      /* 0x10: data */
        .quad   0x00cf9b000000ffff      /* 0x18: 32-bit code (AP trampoline) */
        .fill   2 * NR_CPUS, 8, 0       /* 0x20: TSS descriptors */
boot_gdt_end:

        .bss
        .balign 4096
        .global boot_pml4, boot_pdpt, boot_pd
boot_pml4:
        .fill   512, 8, 0
boot_pdpt:
        .fill   512, 8, 0
boot_pd:
        .fill   4 * 512, 8, 0
        .balign 16
        .global boot_stack
boot_stack:
        .fill   STACK_SIZE, 1, 0
boot_stack_top:
