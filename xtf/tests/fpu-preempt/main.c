/**
 * @file
 * FPU and SSE state across preemption.  Bug class: one domain seeing or
 * corrupting another's floating-point state (lazy switching gone wrong).
 * Two domains (the primary and its companion, both this image) share the
 * only pCPU of the boot; each fills XMM0-7 and the x87 stack and control
 * word with its own pattern and then, for many rounds, yields and spins
 * so the other runs, checking after every round that its registers still
 * hold its pattern.  Proves the state survives, and (from the runstate
 * time spent runnable) that the domain really was switched out.
 *
 * @category security
 * @envs hvm64
 * @needs hypervisor vcpu-op
 * @smp 1
 * @companion peer
 */
#include <xtf.h>
#include <xtf/gnttab-vcpu.h>

const char test_title[] = "FPU/SSE state across preemption";

#define ROUNDS 300

static uint8_t pattern[8][16] __aligned(16), check[8][16] __aligned(16);

static void load_xmm(void)
{
    asm volatile("movdqa 0x00(%0), %%xmm0; movdqa 0x10(%0), %%xmm1\n\t"
                 "movdqa 0x20(%0), %%xmm2; movdqa 0x30(%0), %%xmm3\n\t"
                 "movdqa 0x40(%0), %%xmm4; movdqa 0x50(%0), %%xmm5\n\t"
                 "movdqa 0x60(%0), %%xmm6; movdqa 0x70(%0), %%xmm7" ::"r"(pattern)
                 : "memory");
}

static void save_xmm(void)
{
    asm volatile("movdqa %%xmm0, 0x00(%0); movdqa %%xmm1, 0x10(%0)\n\t"
                 "movdqa %%xmm2, 0x20(%0); movdqa %%xmm3, 0x30(%0)\n\t"
                 "movdqa %%xmm4, 0x40(%0); movdqa %%xmm5, 0x50(%0)\n\t"
                 "movdqa %%xmm6, 0x60(%0); movdqa %%xmm7, 0x70(%0)" ::"r"(check)
                 : "memory");
}

void test_main(void)
{
    struct vcpu_runstate_info r0, r1;
    uint16_t cw = 0, want_cw;
    uint32_t seed, x87[2] = {0, 0}, x87_want[2];
    unsigned int round, i;

    xtf_require_hypervisor();
    /* Enable SSE: CR4.OSFXSR|OSXMMEXCPT, CR0.MP, clear EM/TS. */
    asm volatile("mov %%cr4, %%rax; or $0x600, %%rax; mov %%rax, %%cr4\n\t"
                 "mov %%cr0, %%rax; and $~0xc, %%rax; or $2, %%rax; mov %%rax, %%cr0" ::
                     : "rax");
    seed = strcmp(xtf_role(), "peer") ? 0x1234567u : 0x89abcdefu;
    for (i = 0; i < sizeof(pattern); i++) {
        seed = seed * 1103515245u + 12345u;
        ((uint8_t *)pattern)[i] = seed >> 16;
    }
    want_cw = strcmp(xtf_role(), "peer") ? 0x037f : 0x027f; /* differ in precision control */
    x87_want[0] = seed;
    x87_want[1] = ~seed;
    asm volatile("fninit; fldcw %0; fildl %1; fildl %2" ::"m"(want_cw), "m"(x87_want[0]),
                 "m"(x87_want[1]));
    load_xmm();

    hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &r0);
    for (round = 0; round < ROUNDS; round++) {
        hypercall_yield();
        for (volatile unsigned int spin = 0; spin < 2000; spin++)
            ;
        save_xmm();
        if (memcmp(check, pattern, sizeof(pattern))) {
            xtf_failure("Fail: XMM registers changed in round %u\n", round);
            break;
        }
        asm volatile("fnstcw %0" : "=m"(cw));
        if (cw != want_cw) {
            xtf_failure("Fail: x87 control word %#x, want %#x in round %u\n", cw, want_cw, round);
            break;
        }
    }
    asm volatile("fistpl %0; fistpl %1" : "=m"(x87[1]), "=m"(x87[0]));
    if (x87[0] != x87_want[0] || x87[1] != x87_want[1])
        xtf_failure("Fail: x87 stack holds %#x %#x, want %#x %#x\n", x87[0], x87[1], x87_want[0],
                    x87_want[1]);
    hypercall_vcpu_op(VCPUOP_get_runstate_info, 0, &r1);
    printk("runnable for %llu us while the other domain ran\n",
           (unsigned long long)(r1.time[1] - r0.time[1]) / 1000);
    if (r1.time[1] == r0.time[1])
        xtf_failure("Fail: never switched out (no runnable time)\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
