/* PVH entry of the xenstore domain: 32-bit flat protected mode, paging
 * off, EBX = hvm_start_info. Loads its own GDT and an IDT whose one gate
 * is the event channel callback vector, then calls xsdom_main(). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CALLBACK_VECTOR          0xf3

        .section .note.Xen, "a", @note
        .align 4
        .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
        .asciz "Xen"
        .long _start

        .text
        .code32
        .global _start
_start:
        cli
        cld
        mov     %ebx, %esi
        mov     $__bss_start, %edi
        mov     $_end, %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb
        lgdt    gdt_ptr
        mov     $0x10, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %eax, %fs
        mov     %eax, %gs
        ljmp    $0x08, $1f
1:      mov     $stack_top, %esp
        /* The callback gate: 32-bit interrupt gate, CS 0x08. */
        mov     $callback_entry, %eax
        mov     $idt + CALLBACK_VECTOR * 8, %edi
        mov     %ax, (%edi)
        movw    $0x08, 2(%edi)
        movw    $0x8e00, 4(%edi)
        shr     $16, %eax
        mov     %ax, 6(%edi)
        lidt    idt_ptr
        push    %esi
        call    xsdom_main
2:      hlt
        jmp     2b

/* The handler has nothing to do: the main loop scans the bitmaps. */
callback_entry:
        iret

        .section .rodata
        .align 8
gdt:
        .quad 0
        .quad 0x00cf9b000000ffff        /* 0x08: code, flat */
        .quad 0x00cf93000000ffff        /* 0x10: data, flat */
gdt_ptr:
        .word gdt_ptr - gdt - 1
        .long gdt
idt_ptr:
        .word 256 * 8 - 1
        .long idt

        .bss
        .align 16
idt:
        .skip 256 * 8
stack:
        .skip 65536
stack_top:
        .section .note.GNU-stack, "", @progbits
