/*
 * Exception and interrupt entry. Every one of the 256 vectors has a stub that
 * pushes an error code (a zero where the CPU pushes none) and the vector
 * number, then joins common code that saves the general registers in a
 * struct cpu_user_regs and calls do_trap(regs).
 */
#include <asm/config.h>

        .text
        .code64

/* Vectors with a CPU-pushed error code: #DF 8, #TS 10, #NP 11, #SS 12,
 * #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .balign 16
        .global idt_stubs
idt_stubs:
        vec = 0
        .rept 256
        .balign 16
        .if !HAS_ERRCODE(vec)
        pushq   $0
        .endif
        pushq   $vec
        jmp     common_entry
        vec = vec + 1
        .endr

common_entry:
        push    %rdi
        push    %rsi
        push    %rdx
        push    %rcx
        push    %rax
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %rbx
        push    %rbp
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        cld
        mov     %rsp, %rdi
        /* Link the frame for stack traces through the interrupted code. */
        mov     %rsp, %rbp
        call    do_trap
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbp
        pop     %rbx
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rax
        pop     %rcx
        pop     %rdx
        pop     %rsi
        pop     %rdi
        add     $16, %rsp               /* vector and error code */
        iretq
