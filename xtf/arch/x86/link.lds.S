/* Link test kernels at 1 MiB; one loadable segment plus the PVH note. */
#include <xtf/config.h>

#ifdef CONFIG_64BIT
OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
#else
OUTPUT_FORMAT("elf32-i386")
OUTPUT_ARCH(i386)
#endif
ENTRY(_elf_start)

PHDRS
{
    load PT_LOAD FLAGS(7);
    note PT_NOTE FLAGS(4);
}

SECTIONS
{
    . = 0x100000;
    _start = .;
    .text : {
        *(.text.head)
        *(.text .text.*)
    } :load = 0
    .note : { *(.note.Xen) } :load :note
    .rodata : { *(.rodata .rodata.*) } :load
    .data : {
        *(.data.page_aligned)
        *(.data .data.*)
    } :load
    .ex_table : {
        __start_ex_table = .;
        *(.ex_table)
        __stop_ex_table = .;
    } :load
    .bss : {
        __bss_start = .;
        *(.bss.page_aligned)
        *(.bss .bss.*)
        *(COMMON)
    } :load
    _end = .;
    /DISCARD/ : { *(.comment) *(.note.gnu.*) *(.eh_frame) *(.note.GNU-stack) }
}
