/* A tiny multiboot1 kernel for the host tests: prints a line on COM1 (a
 * ready line like the hypervisor's unless built with --defsym SILENT=1),
 * then halts forever, so only a power off ends it. */
    .section .text
    .code32
    .align 4
    .long 0x1badb002            /* multiboot magic */
    .long 0                     /* flags */
    .long -(0x1badb002)         /* checksum */
    .globl _start
_start:
    mov $msg, %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
3:  cli
    hlt
    jmp 3b
    .section .data
msg:
.ifdef SILENT
    .asciz "(XEN) still booting\n"
.else
    .asciz "(XEN) [    0.000100] ready\n"
.endif
