/* The floor for boot benchmarks: the smallest multiboot kernel, which ends
 * QEMU through isa-debug-exit as soon as it runs. Booted exactly as the
 * hypervisor is, it measures what QEMU itself costs. */
        .section .text
        .code32
        .global start
        .balign 4
mb_header:
        .long   0x1BADB002
        .long   0x00010000
        .long   -(0x1BADB002 + 0x00010000)
        .long   mb_header, mb_header, end, end, start
start:
        mov     $0xf4, %dx
        xor     %eax, %eax
        out     %eax, %dx
1:      hlt
        jmp     1b
end:
