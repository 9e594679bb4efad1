/* Runs one generated instruction natively for the differential test.
 *
 * The state block lives at the fixed address ST (mapped by diff.c), so that
 * every general register, RSP included, can be loaded from and stored to it
 * with absolute addressing:
 *   ST+0x000 input registers (RAX..R15)   ST+0x080 input RFLAGS
 *   ST+0x100 output registers             ST+0x180 output RFLAGS
 *   ST+0x188 exit taken (1: A, 2: B)      ST+0x190 host RSP
 *   ST+0x198 code address                 ST+0x1a0 / 0x1a8 exit A / B
 * The generated code ends with jumps through ST+0x1a0 / ST+0x1a8. A signal
 * handler in diff.c resumes at native_fault_exit after a fault. */
        .set ST, 0x10000000

        .text
        .globl run_native
run_native:
        push %rbx
        push %rbp
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, ST+0x190
        mov %rdi, ST+0x198
        movq $0, ST+0x188
        pushq ST+0x80
        popfq
        mov ST+0x00, %rax
        mov ST+0x08, %rcx
        mov ST+0x10, %rdx
        mov ST+0x18, %rbx
        mov ST+0x28, %rbp
        mov ST+0x30, %rsi
        mov ST+0x38, %rdi
        mov ST+0x40, %r8
        mov ST+0x48, %r9
        mov ST+0x50, %r10
        mov ST+0x58, %r11
        mov ST+0x60, %r12
        mov ST+0x68, %r13
        mov ST+0x70, %r14
        mov ST+0x78, %r15
        mov ST+0x20, %rsp
        jmp *ST+0x198

        .globl native_exit_a
native_exit_a:
        movq $1, ST+0x188
        jmp native_save

        .globl native_exit_b
native_exit_b:
        movq $2, ST+0x188

native_save:
        mov %rax, ST+0x100
        mov %rcx, ST+0x108
        mov %rdx, ST+0x110
        mov %rbx, ST+0x118
        mov %rsp, ST+0x120
        mov %rbp, ST+0x128
        mov %rsi, ST+0x130
        mov %rdi, ST+0x138
        mov %r8, ST+0x140
        mov %r9, ST+0x148
        mov %r10, ST+0x150
        mov %r11, ST+0x158
        mov %r12, ST+0x160
        mov %r13, ST+0x168
        mov %r14, ST+0x170
        mov %r15, ST+0x178
        mov ST+0x190, %rsp
        pushfq
        popq ST+0x180
        cld
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        pop %rbp
        pop %rbx
        ret

/* The same for 32-bit compatibility mode: DS/ES get the flat user data
 * selector, a far jump through ST+0x1d0 (offset, 0x23) enters the code, whose
 * exits jump far back through ST+0x1e0 / ST+0x1f0 (offset, 0x33). */
        .globl run_native32
run_native32:
        push %rbx
        push %rbp
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, ST+0x190
        movq $0, ST+0x188
        mov $0x2b, %eax
        mov %eax, %ds
        mov %eax, %es
        pushq ST+0x80
        popfq
        mov ST+0x00, %rax
        mov ST+0x08, %rcx
        mov ST+0x10, %rdx
        mov ST+0x18, %rbx
        mov ST+0x28, %rbp
        mov ST+0x30, %rsi
        mov ST+0x38, %rdi
        mov ST+0x20, %rsp
        ljmpl *ST+0x1d0

        .globl native_exit32_a
native_exit32_a:
        movq $1, ST+0x188
        jmp native_save32

        .globl native_exit32_b
native_exit32_b:
        movq $2, ST+0x188

native_save32:
        mov %rax, ST+0x100
        mov %rcx, ST+0x108
        mov %rdx, ST+0x110
        mov %rbx, ST+0x118
        mov %rsp, ST+0x120
        mov %rbp, ST+0x128
        mov %rsi, ST+0x130
        mov %rdi, ST+0x138
        mov ST+0x190, %rsp
        pushfq
        popq ST+0x180
        jmp native_restore

        .globl native_fault_exit
native_fault_exit:
        mov ST+0x190, %rsp
native_restore:
        xor %eax, %eax
        mov %eax, %ds
        mov %eax, %es
        cld
        pop %r15
        pop %r14
        pop %r13
        pop %r12
        pop %rbp
        pop %rbx
        ret

        .section .note.GNU-stack,"",@progbits
