/* A tiny multiboot1 kernel for the host tests: prints a line on COM1 (a
 * ready line like the hypervisor's unless built with --defsym SILENT=1),
 * then halts forever, so only a power off ends it. One section, with the
 * load addresses in the header (flag 16), so both QEMU's -kernel and iPXE's
 * multiboot loader take it. Link at 0x100000. */
    .section .text
    .code32
    .align 4
mbhdr:
    .long 0x1badb002            /* multiboot magic */
    .long 0x00010000            /* flags: addresses below are valid */
    .long -(0x1badb002 + 0x00010000) /* checksum */
    .long mbhdr                 /* header_addr */
    .long mbhdr                 /* load_addr */
    .long the_end               /* load_end_addr */
    .long 0                     /* bss_end_addr: none */
    .long _start                /* entry_addr */
    .globl _start
_start:
    mov $msg, %esi
1:  lodsb
    test %al, %al
    jz 3f
    mov %al, %bl
    mov $0x3fd, %dx             /* line status: wait until the transmitter */
2:  in %dx, %al                 /* is empty, or a slow console (a socket, */
    test $0x20, %al             /* serial-over-LAN) loses characters */
    jz 2b
    mov %bl, %al
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
3:  cli
    hlt
    jmp 3b
msg:
.ifdef SILENT
    .asciz "(XEN) still booting\n"
.else
    .asciz "(XEN) [    0.000100] ready\n"
.endif
the_end:
