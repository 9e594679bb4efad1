/* Linker script: one identity-mapped image at XEN_PHYS_START. Sections are
 * page aligned where permissions change (text RX, rodata R, data RW NX). */
#include <asm/config.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start)

PHDRS
{
    text PT_LOAD FLAGS(5);
    rodata PT_LOAD FLAGS(4);
    data PT_LOAD FLAGS(6);
    note PT_NOTE FLAGS(4);
}

SECTIONS
{
    . = XEN_PHYS_START;
    __image_start = .;
    .text : {
        __text_start = .;
        *(.text.head)
        *(.text .text.*)
        *(.fixup)
        __text_end = .;
    } :text
    . = ALIGN(PAGE_SIZE);
    .rodata : {
        __rodata_start = .;
        *(.rodata.head)
        *(.rodata .rodata.*)
        . = ALIGN(8);
        __param_start = .;
        KEEP(*(.data.param))
        __param_end = .;
        . = ALIGN(8);
        __keyhandler_start = .;
        KEEP(*(.data.keyhandler))
        __keyhandler_end = .;
        . = ALIGN(8);
        __initcall_start = .;
        KEEP(*(.data.initcall))
        __initcall_end = .;
        . = ALIGN(8);
        __start_ex_table = .;
        KEEP(*(ex_table))
        __stop_ex_table = .;
        . = ALIGN(8);
        __ctors_start = .;
        KEEP(*(SORT(.init_array.*)))
        KEEP(*(.init_array))
        KEEP(*(SORT(.ctors.*)))
        KEEP(*(.ctors))
        __ctors_end = .;
        . = ALIGN(8);
        *(.data.symbols)
    } :rodata
    .note.gnu.build-id : {
        __note_gnu_build_id_start = .;
        *(.note.gnu.build-id)
        __note_gnu_build_id_end = .;
    } :rodata :note
    . = ALIGN(PAGE_SIZE);
    __rodata_end = .;
    .data : {
        __data_start = .;
        *(.data.page_aligned)
        *(.data .data.*)
    } :data
    __load_end = .;
    .bss : {
        . = ALIGN(8);
        __bss_start = .;
        *(.bss.page_aligned)
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(8);
        __bss_end = .;
    } :data
    . = ALIGN(PAGE_SIZE);
    __image_end = .;

    /DISCARD/ : {
        *(.comment)
        *(.note.GNU-stack)
        *(.eh_frame)
    }
}
