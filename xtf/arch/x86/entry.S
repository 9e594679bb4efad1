/*
 * Exception and interrupt entry, and the round trip to user mode.
 * Every vector below X86_NR_VECTORS gets a stub that pushes a dummy error
 * code where the CPU gives none, then the vector, and joins
 * handle_exception, which saves a struct cpu_regs and calls do_exception().
 */
#include <xtf/config.h>

#define HAS_EC(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
                   (v) == 29 || (v) == 30)

        .text
        .p2align 4
        .global exception_stubs_start
exception_stubs_start:
        .set vec, 0
        .rept X86_NR_VECTORS
        .p2align 4
        .if !HAS_EC(vec)
        push    $0
        .endif
        push    $vec
        jmp     handle_exception
        .set vec, vec + 1
        .endr

#ifdef CONFIG_64BIT

handle_exception:
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbx
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, %rdi
        call    do_exception
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rbx
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        add     $16, %rsp
        iretq

/* unsigned long exec_user_param(fn, arg): run fn(arg) in ring 3. */
        .global exec_user_param
exec_user_param:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        mov     %rsp, exec_user_saved_sp(%rip)
        mov     %rsp, tss + 4(%rip)     /* rsp0: below the live frames */
        push    $USER_DS
        push    $user_stack_top
        pushf
        push    $USER_CS
        push    $exec_user_stub
        mov     %rdi, %rax
        mov     %rsi, %rdi
        iretq

exec_user_stub:
        call    *%rax
        int     $X86_VEC_RET2KERN

        .global entry_ret2kern
entry_ret2kern:
        mov     exec_user_saved_sp(%rip), %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret

/* long hypercall_by_nr(nr, a1..a5) */
        .global hypercall_by_nr
hypercall_by_nr:
        mov     %edi, %eax
        shl     $5, %eax
        lea     hypercall_page(%rip), %r11
        add     %rax, %r11
        mov     %rsi, %rdi
        mov     %rdx, %rsi
        mov     %rcx, %rdx
        mov     %r8, %r10
        mov     %r9, %r8
        call    *%r11
        ret

#else /* 32-bit */

handle_exception:
        pushal
        push    %esp
        call    do_exception
        add     $4, %esp
        popal
        add     $8, %esp
        iret

        .global exec_user_param
exec_user_param:
        push    %ebp
        push    %ebx
        push    %esi
        push    %edi
        mov     20(%esp), %eax
        mov     24(%esp), %ecx
        mov     %esp, exec_user_saved_sp
        mov     %esp, tss + 4           /* esp0 */
        push    $USER_DS
        push    $user_stack_top
        pushf
        push    $USER_CS
        push    $exec_user_stub
        iret

exec_user_stub:
        push    %ecx
        call    *%eax
        int     $X86_VEC_RET2KERN

        .global entry_ret2kern
entry_ret2kern:
        mov     exec_user_saved_sp, %esp
        pop     %edi
        pop     %esi
        pop     %ebx
        pop     %ebp
        ret

        .global hypercall_by_nr
hypercall_by_nr:
        push    %ebx
        push    %esi
        push    %edi
        mov     16(%esp), %eax
        shl     $5, %eax
        add     $hypercall_page, %eax
        mov     20(%esp), %ebx
        mov     24(%esp), %ecx
        mov     28(%esp), %edx
        mov     32(%esp), %esi
        mov     36(%esp), %edi
        call    *%eax
        pop     %edi
        pop     %esi
        pop     %ebx
        ret

#endif

        .data
        .p2align 3
exec_user_saved_sp:
        .quad 0
