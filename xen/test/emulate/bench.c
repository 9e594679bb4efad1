/* Throughput of the decoder and emulator on a mix of typical instructions
 * (MMIO moves, ALU on memory, stack, branches, port I/O, CPUID). Prints the
 * median of several runs in operations per second; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "harness.h"

#define RUNS  7
#define ITERS 200000

static const struct {
    const char *name;
    uint8_t code[16];
    unsigned int len;
} mix[] = {
    {"mov [rax],ebx", {0x89, 0x18}, 2},
    {"mov eax,[rip+d32]", {0x8b, 0x05, 0xfa, 0x0f, 0x00, 0x00}, 6},
    {"add [rbx+rcx*4+8],eax", {0x01, 0x44, 0x8b, 0x08}, 4},
    {"lock xadd [rax],ebx", {0xf0, 0x0f, 0xc1, 0x18}, 4},
    {"push rax", {0x50}, 1},
    {"jne rel32", {0x0f, 0x85, 0x00, 0x00, 0x00, 0x00}, 6},
    {"out dx,al", {0xee}, 1},
    {"cpuid", {0x0f, 0xa2}, 2},
    {"movzx eax,word [rax]", {0x0f, 0xb7, 0x00}, 3},
    {"shl r64,cl", {0x48, 0xd3, 0xe0}, 3},
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void setup(struct env *env, struct x86_regs *r, unsigned int k)
{
    regs_mode64(r);
    r->rip = 0x1000;
    r->gpr[X86_RAX] = 0x2000;
    r->gpr[X86_RBX] = 0x2000;
    r->gpr[X86_RCX] = 4;
    r->gpr[X86_RSP] = 0x3000;
    r->gpr[X86_RDX] = 0x80;
    env_poke(env, 0x1000, mix[k].code, mix[k].len);
}

/* One run: ITERS operations over the mix; returns operations per second. */
static double run(bool decode_only)
{
    static struct env env;
    struct x86_regs r;
    struct x86_emulate_ctxt ctxt;
    unsigned int n, k, len;
    double t0, t1;

    env_init(&env);
    env_map(&env, 0x1000);
    env_map(&env, 0x2000);
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.ops = &env_ops;
    ctxt.priv = &env;
    ctxt.regs = &r;
    t0 = now();
    for (n = 0; n < ITERS; n++) {
        k = n % ARRAY_SIZE(mix);
        setup(&env, &r, k);
        env.iolog[0] = '\0';
        if (decode_only) {
            if (x86_insn_length(&ctxt, &len, NULL) != X86EMUL_OKAY || len != mix[k].len)
                goto bad;
        } else if (x86_emulate(&ctxt) != X86EMUL_OKAY)
            goto bad;
    }
    t1 = now();
    return ITERS / (t1 - t0);
bad:
    fprintf(stderr, "bench: '%s' did not %s\n", mix[k].name, decode_only ? "decode" : "emulate");
    exit(1);
}

int main(void)
{
    double d[RUNS], e[RUNS];
    unsigned int k;

    for (k = 0; k < RUNS; k++) {
        d[k] = run(true);
        e[k] = run(false);
    }
    qsort(d, RUNS, sizeof(d[0]), cmp_double);
    qsort(e, RUNS, sizeof(e[0]), cmp_double);
    printf("emulate bench: %zu-instruction mix, %d ops per run, median of %d runs\n",
           ARRAY_SIZE(mix), ITERS, RUNS);
    printf("emulate bench: decode only   %.2f M ops/s (min %.2f, max %.2f)\n", d[RUNS / 2] / 1e6,
           d[0] / 1e6, d[RUNS - 1] / 1e6);
    printf("emulate bench: decode+execute %.2f M ops/s (min %.2f, max %.2f)\n", e[RUNS / 2] / 1e6,
           e[0] / 1e6, e[RUNS - 1] / 1e6);
    return 0;
}
