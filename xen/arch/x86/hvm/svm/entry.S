/*
 * svm_vmrun(gprs, vmcb_pa, host_save_pa): enter the guest and return at its
 * next #VMEXIT. VMRUN itself switches only RAX, RSP, RIP, RFLAGS, control
 * and segment registers; this code switches the other general registers and,
 * with VMSAVE/VMLOAD, the hidden state (FS, GS, TR, LDTR, syscall MSRs).
 * GIF is clear from before the first VMLOAD until after the host state is
 * back, so no interrupt or NMI can run on the guest's GS base.
 * After the #VMEXIT, the return stack buffer is refilled (opt_rsb).
 */
#define G_RCX 8
#define G_RDX 16
#define G_RBX 24
#define G_RBP 40
#define G_RSI 48
#define G_RDI 56
#define G_R8  64
#define G_R9  72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120

        .text
        .code64
        .global svm_vmrun
svm_vmrun:
        push    %rbp
        push    %rbx
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        push    %rdi                    /* 16(%rsp): guest registers */
        push    %rdx                    /*  8(%rsp): host save area */
        push    %rsi                    /*  0(%rsp): VMCB */
        clgi
        sti                             /* held off by GIF until VMRUN */
        mov     %rdx, %rax
        vmsave
        mov     (%rsp), %rax
        vmload
        mov     G_RCX(%rdi), %rcx
        mov     G_RDX(%rdi), %rdx
        mov     G_RBX(%rdi), %rbx
        mov     G_RBP(%rdi), %rbp
        mov     G_RSI(%rdi), %rsi
        mov     G_R8(%rdi), %r8
        mov     G_R9(%rdi), %r9
        mov     G_R10(%rdi), %r10
        mov     G_R11(%rdi), %r11
        mov     G_R12(%rdi), %r12
        mov     G_R13(%rdi), %r13
        mov     G_R14(%rdi), %r14
        mov     G_R15(%rdi), %r15
        mov     G_RDI(%rdi), %rdi
        vmrun
        push    %rdi
        mov     24(%rsp), %rdi
        mov     %rcx, G_RCX(%rdi)
        mov     %rdx, G_RDX(%rdi)
        mov     %rbx, G_RBX(%rdi)
        mov     %rbp, G_RBP(%rdi)
        mov     %rsi, G_RSI(%rdi)
        mov     %r8, G_R8(%rdi)
        mov     %r9, G_R9(%rdi)
        mov     %r10, G_R10(%rdi)
        mov     %r11, G_R11(%rdi)
        mov     %r12, G_R12(%rdi)
        mov     %r13, G_R13(%rdi)
        mov     %r14, G_R14(%rdi)
        mov     %r15, G_R15(%rdi)
        pop     %rax
        mov     %rax, G_RDI(%rdi)
        /* The guest may have left return addresses of its choosing in the
         * return stack buffer: overwrite all 32 entries before the first
         * RET (opt_rsb, spec_ctrl.c). Each call's return is never taken;
         * a RET speculated into one ends in the pause/lfence loop. */
        cmpb    $0, opt_rsb(%rip)
        je      3f
        mov     $16, %ecx
1:      call    2f
4:      pause
        lfence
        jmp     4b
2:      call    5f
6:      pause
        lfence
        jmp     6b
5:      dec     %ecx
        jnz     1b
        add     $(32 * 8), %rsp
3:
        mov     (%rsp), %rax
        vmsave
        mov     8(%rsp), %rax
        vmload
        stgi
        add     $24, %rsp
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %rbx
        pop     %rbp
        ret
