/* Differential test: generated instruction instances run natively on the host
 * (64-bit user mode) and through the emulator from the same register and
 * memory state; every general register, the architecturally defined flags,
 * every byte of the data area, the branch taken and any exception must agree.
 *
 * Usage: diff [CASES [SEED]]   (defaults 20000 cases, seed 1)
 * Prints one line per template (cases run, mismatches), details of the first
 * mismatches, and "diff: N passed, N failed" with one test per template. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "harness.h"

#define ST_ADDR   0x10000000ull
#define DATA_ADDR 0x10010000ull
#define DATA_SIZE 0x4000u
#define CODE_ADDR 0x10020000ull
#define EXIT_B    64 /* offset of the "taken" exit stub in the code page */

void run_native(uint64_t code);
void native_exit_a(void);
void native_exit_b(void);
void native_fault_exit(void);
void run_native32(void);
void native_exit32_a(void);
void native_exit32_b(void);

struct st_block {
    uint64_t in[16], in_fl, pad0[15];
    uint64_t out[16], out_fl, exit_taken, host_rsp, target, exit_a, exit_b, signo, trapno;
    uint64_t fault_addr, fault_rip;
    struct {
        uint32_t off;
        uint16_t sel;
        uint8_t pad[10];
    } __attribute__((packed)) far_entry, far_exit_a, far_exit_b; /* m16:32 far pointers */
};
_Static_assert(offsetof(struct st_block, far_entry) == 0x1d0, "layout of native.S");
#define ST ((volatile struct st_block *)ST_ADDR)

/* ---- random numbers ---- */

static uint64_t rng_state;
static bool compat; /* generate and run 32-bit compatibility-mode code */

static unsigned int nreg(void)
{
    return compat ? 8 : 16;
}

static unsigned int wide(void)
{
    return compat ? 4 : 8;
}

static uint64_t rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static unsigned int rn(unsigned int n)
{
    return (unsigned int)(rnd() % n);
}

static uint64_t interesting(void)
{
    static const uint64_t v[] = {0,
                                 1,
                                 2,
                                 0x7f,
                                 0x80,
                                 0xff,
                                 0x7fff,
                                 0x8000,
                                 0xffff,
                                 0x7fffffff,
                                 0x80000000,
                                 0xffffffff,
                                 0x100000000ull,
                                 0x7fffffffffffffffull,
                                 0x8000000000000000ull,
                                 ~0ull,
                                 ~1ull};

    switch (rn(4)) {
    case 0:
        return v[rn(ARRAY_SIZE(v))];
    case 1:
        return rn(64);
    case 2:
        return (uint64_t) - (int64_t)rn(64);
    default:
        return rnd();
    }
}

/* ---- instruction builder ---- */

enum mem_form { MF_REG, MF_BASE, MF_BASE_D8, MF_BASE_D32, MF_SIB, MF_SIB_NOBASE, MF_RIP };

struct gen {
    uint8_t b[32];
    unsigned int n;
    /* plan */
    unsigned int osize; /* 2, 4, 8 (1 for byte ops, with rex_any) */
    bool a32, lock, rex_any, byteop;
    uint8_t rep;
    unsigned int reg; /* ModRM reg field (0-15) */
    enum mem_form form;
    unsigned int rm, base, index, scale;
    int64_t disp;
    unsigned int disp_off, disp_bytes;
    uint64_t target;
    uint32_t reserved; /* registers whose values the template fixes */
    uint64_t regs[16];
    uint64_t undef; /* flags the architecture leaves undefined here */
    bool branch;    /* may take exit B */
    bool popf;      /* POPF: plant the value to pop */
};

static void put(struct gen *g, uint64_t v, unsigned int bytes)
{
    unsigned int k;

    for (k = 0; k < bytes; k++)
        g->b[g->n++] = (uint8_t)(v >> (8 * k));
}

/* Pick a register not reserved (and, if avoid < 16, not that one). */
static unsigned int free_reg(struct gen *g, unsigned int avoid)
{
    unsigned int r;

    do
        r = rn(nreg());
    while ((g->reserved >> r) & 1 || r == avoid);
    return r;
}

/* Choose the r/m operand: a register, or memory in the middle of the data. */
static void plan_rm(struct gen *g, bool allow_reg, bool allow_mem)
{
    unsigned int f = allow_mem ? rn(allow_reg ? 8 : 6) : 6;

    g->form = f >= 6 ? MF_REG : (enum mem_form)(f + 1);
    if (!allow_mem)
        g->form = MF_REG;
    g->target = DATA_ADDR + 0x1000 + rn(0x2000);
    if (g->form == MF_REG) {
        g->rm = rn(nreg());
        return;
    }
    g->base = free_reg(g, 16);
    g->index = free_reg(g, 4); /* index 4 without REX.X means "none" */
    g->scale = rn(4);
    switch (g->form) {
    case MF_BASE_D8:
        g->disp = (int8_t)rn(256);
        break;
    case MF_BASE_D32:
    case MF_SIB_NOBASE:
        g->disp = (int32_t)(rn(0x2000) - 0x1000);
        break;
    case MF_SIB:
        g->disp = rn(2) ? (int8_t)rn(256) : 0;
        break;
    default:
        g->disp = 0;
        break;
    }
    /* [rbp]/[r13] and [rsp]/[r12] need other encodings without disp/SIB. */
    if (g->form == MF_BASE && ((g->base & 7) == 5 || (g->base & 7) == 4))
        g->form = MF_BASE_D8;
    if (g->form == MF_BASE_D8 && (g->base & 7) == 4)
        g->form = MF_SIB;
    if (g->form == MF_BASE_D32 && (g->base & 7) == 4) {
        g->form = MF_SIB; /* which encodes at most a disp8 here */
        g->disp = (int8_t)g->disp;
    }
}

static void emit_prefixes(struct gen *g, uint8_t rex_w_etc)
{
    uint8_t rex = rex_w_etc;

    if (g->osize == 2)
        g->b[g->n++] = 0x66;
    if (g->a32)
        g->b[g->n++] = 0x67;
    if (g->lock)
        g->b[g->n++] = 0xf0;
    if (g->rep)
        g->b[g->n++] = g->rep;
    if (g->osize == 8)
        rex |= 8;
    if (g->reg & 8)
        rex |= 4;
    if (g->form == MF_REG) {
        if (g->rm & 8)
            rex |= 1;
    } else if (g->form == MF_SIB || g->form == MF_SIB_NOBASE) {
        if (g->index & 8)
            rex |= 2;
        if (g->base & 8 && g->form == MF_SIB)
            rex |= 1;
    } else if (g->form != MF_RIP && (g->base & 8))
        rex |= 1;
    if (compat && (rex & 0xf)) {
        fprintf(stderr, "diff: generator bug: REX %#x in compatibility mode\n", rex);
        abort();
    }
    if (!compat && (rex || g->rex_any))
        g->b[g->n++] = 0x40 | rex;
}

static void emit_modrm(struct gen *g)
{
    uint8_t reg = (g->reg & 7) << 3;

    switch (g->form) {
    case MF_REG:
        g->b[g->n++] = 0xc0 | reg | (g->rm & 7);
        return;
    case MF_BASE:
        g->b[g->n++] = reg | (g->base & 7);
        g->disp_bytes = 0;
        break;
    case MF_BASE_D8:
        g->b[g->n++] = 0x40 | reg | (g->base & 7);
        g->disp_bytes = 1;
        break;
    case MF_BASE_D32:
        g->b[g->n++] = 0x80 | reg | (g->base & 7);
        g->disp_bytes = 4;
        break;
    case MF_SIB:
        g->disp_bytes = g->disp ? 1 : 0;
        if (g->disp_bytes == 0 && (g->base & 7) == 5)
            g->disp_bytes = 1;
        g->b[g->n++] = (g->disp_bytes ? 0x44 : 0x04) | reg;
        g->b[g->n++] = (uint8_t)((g->scale << 6) | ((g->index & 7) << 3) | (g->base & 7));
        break;
    case MF_SIB_NOBASE:
        g->b[g->n++] = 0x04 | reg;
        g->b[g->n++] = (uint8_t)((g->scale << 6) | ((g->index & 7) << 3) | 5);
        g->disp_bytes = 4;
        break;
    case MF_RIP:
        g->b[g->n++] = 0x05 | reg;
        g->disp_bytes = 4;
        break;
    }
    g->disp_off = g->n;
    put(g, (uint64_t)g->disp, g->disp_bytes);
}

/* Upper halves that 32-bit addressing must ignore. */
static uint64_t hi_garbage(struct gen *g)
{
    return (g->a32 || compat) ? (rnd() << 32) : 0;
}

/* Once the length is known: registers (or RIP-relative displacement) that
 * make the memory operand land on the target. */
static void finish_mem(struct gen *g)
{
    uint64_t t = g->target, am = (g->a32 || compat) ? 0xffffffffull : ~0ull;
    bool has_index = g->form == MF_SIB || g->form == MF_SIB_NOBASE;
    uint64_t idx = 0;

    if (g->form == MF_REG)
        return;
    if (g->form == MF_RIP) {
        /* RIP-relative in 64-bit mode, an absolute disp32 otherwise */
        int32_t d = (int32_t)(compat ? t : t - (CODE_ADDR + g->n));

        memcpy(g->b + g->disp_off, &d, 4);
        return;
    }
    if (has_index && g->index == 4)
        has_index = false;
    if (g->form == MF_SIB_NOBASE) {
        if (!has_index) { /* absolute disp32 */
            memcpy(g->b + g->disp_off, &(int32_t){(int32_t)t}, 4);
            return;
        }
        t -= (t - (uint64_t)g->disp) & ((1u << g->scale) - 1);
        g->target = t;
        g->regs[g->index] = (((t - (uint64_t)g->disp) >> g->scale) & am) | hi_garbage(g);
        return;
    }
    if (has_index && g->index == g->base) {
        unsigned int mul = 1 + (1u << g->scale);

        t -= (t - (uint64_t)g->disp) % mul;
        g->target = t;
        g->regs[g->base] = ((t - (uint64_t)g->disp) / mul) | hi_garbage(g);
        return;
    }
    if (has_index) {
        idx = rn(32);
        g->regs[g->index] = idx | hi_garbage(g);
    }
    g->regs[g->base] = ((t - (uint64_t)g->disp - (idx << g->scale)) & am) | hi_garbage(g);
}

/* ---- templates ---- */

#define UND_LOGIC X86_FL_AF
#define UND_MUL   (X86_FL_SF | X86_FL_ZF | X86_FL_AF | X86_FL_PF)
#define UND_ALL   X86_FL_ARITH
#define UND_BT    (X86_FL_OF | X86_FL_SF | X86_FL_AF | X86_FL_PF)
#define UND_BS    (X86_FL_CF | X86_FL_OF | X86_FL_SF | X86_FL_AF | X86_FL_PF)

static unsigned int pick_osize(struct gen *g)
{
    static const unsigned int s[] = {2, 4, 4, 8, 8};

    g->osize = s[rn(5)];
    if (compat && g->osize == 8)
        g->osize = 4;
    return g->osize;
}

/* Byte operations: REX present half of the time (SPL/BPL/SIL/DIL vs AH..BH). */
static void byte_op(struct gen *g)
{
    g->byteop = true;
    g->osize = 4;
    g->rex_any = !compat && rn(2);
}

static void std_rm(struct gen *g, bool allow_reg)
{
    g->a32 = !compat && rn(4) == 0;
    g->reg = rn(nreg());
    plan_rm(g, allow_reg, true);
}

static void t_alu(struct gen *g)
{
    unsigned int op = rn(8), form = rn(6);

    if ((form & 1) == 0)
        byte_op(g);
    else
        pick_osize(g);
    if (form < 4) {
        std_rm(g, true);
        g->lock = form < 2 && op != 7 && g->form != MF_REG && rn(2);
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(op << 3 | form);
        emit_modrm(g);
    } else {
        g->form = MF_REG;
        g->rm = 0;
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(op << 3 | form);
        put(g, rnd(), form == 4 ? 1 : (g->osize == 2 ? 2 : 4));
    }
    if (op == 1 || op == 4 || op == 6)
        g->undef = UND_LOGIC;
}

static void t_grp1(struct gen *g)
{
    static const uint8_t ops[] = {0x80, 0x81, 0x83};
    uint8_t opc = ops[rn(3)];

    if (opc == 0x80)
        byte_op(g);
    else
        pick_osize(g);
    std_rm(g, true);
    g->reg = rn(8);
    g->lock = g->reg != 7 && g->form != MF_REG && rn(2);
    emit_prefixes(g, 0);
    g->b[g->n++] = opc;
    emit_modrm(g);
    put(g, rnd(), opc == 0x81 ? (g->osize == 2 ? 2 : 4) : 1);
    if (g->reg == 1 || g->reg == 4 || g->reg == 6)
        g->undef = UND_LOGIC;
}

static void t_test(struct gen *g)
{
    unsigned int form = rn(4);

    g->undef = UND_LOGIC;
    if (form & 1)
        pick_osize(g);
    else
        byte_op(g);
    if (form < 2) {
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(0x84 | (form & 1));
        emit_modrm(g);
    } else {
        std_rm(g, true);
        g->reg = rn(2); /* /0 and its alias /1 */
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(0xf6 | (form & 1));
        emit_modrm(g);
        put(g, rnd(), (form & 1) ? (g->osize == 2 ? 2 : 4) : 1);
    }
}

static void t_unary(struct gen *g)
{
    bool byte = rn(2);
    unsigned int kind = rn(4); /* INC DEC NOT NEG */

    if (byte)
        byte_op(g);
    else
        pick_osize(g);
    std_rm(g, true);
    g->lock = g->form != MF_REG && rn(2);
    if (kind < 2 && compat && !byte && rn(2)) { /* 40+r / 48+r */
        g->lock = false;
        g->form = MF_REG;
        g->rm = rn(8);
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(0x40 | (kind << 3) | (g->rm & 7));
        return;
    }
    if (kind < 2) {
        g->reg = kind;
        emit_prefixes(g, 0);
        g->b[g->n++] = byte ? 0xfe : 0xff;
    } else {
        g->reg = kind;
        emit_prefixes(g, 0);
        g->b[g->n++] = byte ? 0xf6 : 0xf7;
    }
    emit_modrm(g);
}

static void t_shift(struct gen *g)
{
    unsigned int kind = rn(3), bits, count = 0, mcount;
    bool byte = rn(3) == 0;
    uint8_t opc;

    if (byte)
        byte_op(g);
    else
        pick_osize(g);
    bits = byte ? 8 : 8 * g->osize;
    if (kind == 2) {
        g->reserved |= 1u << X86_RCX;
        g->regs[X86_RCX] = rn(3) ? rn(70) : rnd();
        count = g->regs[X86_RCX] & 0xff;
    } else if (kind == 1) {
        count = rn(3) ? rn(70) : rn(256);
    } else {
        count = 1;
    }
    std_rm(g, true);
    g->reg = rn(8);
    if (kind == 2 && g->form != MF_REG && (g->base == X86_RCX || g->index == X86_RCX))
        g->form = MF_REG; /* keep the count */
    if (kind == 2 && g->form == MF_REG && g->rm == X86_RCX && rn(2))
        g->rm = X86_RDX;
    emit_prefixes(g, 0);
    opc = kind == 0 ? 0xd0 : kind == 1 ? 0xc0 : 0xd2;
    g->b[g->n++] = opc | !byte;
    emit_modrm(g);
    if (kind == 1)
        put(g, count, 1);
    mcount = count & (bits == 64 ? 63 : 31);
    if (mcount) {
        g->undef |= X86_FL_AF;
        if (mcount != 1)
            g->undef |= X86_FL_OF;
        if ((g->reg & 7) >= 4 && (g->reg & 7) != 7 && mcount >= bits)
            g->undef |= X86_FL_CF;
        if ((g->reg & 7) < 4) /* rotates leave AF alone */
            g->undef &= ~(uint64_t)X86_FL_AF;
    }
}

static void t_muldiv(struct gen *g)
{
    bool byte = rn(2);
    unsigned int r = 4 + rn(4);

    if (byte)
        byte_op(g);
    else
        pick_osize(g);
    if (r >= 6 && rn(2)) { /* make quotients that fit more likely */
        g->regs[X86_RDX] = rn(3) ? 0 : ~0ull;
        g->regs[X86_RAX] = rn(2) ? rnd() : interesting();
    }
    std_rm(g, true);
    g->reg = r;
    emit_prefixes(g, 0);
    g->b[g->n++] = byte ? 0xf6 : 0xf7;
    emit_modrm(g);
    g->undef = r < 6 ? UND_MUL : UND_ALL;
}

static void t_imul(struct gen *g)
{
    unsigned int kind = rn(3);

    pick_osize(g);
    std_rm(g, true);
    emit_prefixes(g, 0);
    if (kind == 0) {
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = 0xaf;
        emit_modrm(g);
    } else {
        g->b[g->n++] = kind == 1 ? 0x6b : 0x69;
        emit_modrm(g);
        put(g, rn(2) ? interesting() : rnd(), kind == 1 ? 1 : (g->osize == 2 ? 2 : 4));
    }
    g->undef = UND_MUL;
}

static void t_mov(struct gen *g)
{
    unsigned int kind = rn(9), r;

    switch (kind) {
    case 0: /* 88-8B */
    case 1: {
        unsigned int opc = 0x88 + rn(4);

        if (!(opc & 1))
            byte_op(g);
        else
            pick_osize(g);
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)opc;
        emit_modrm(g);
        break;
    }
    case 2: /* C6/C7 */
        if (rn(2))
            byte_op(g);
        else
            pick_osize(g);
        std_rm(g, true);
        g->reg = 0;
        emit_prefixes(g, 0);
        g->b[g->n++] = g->byteop ? 0xc6 : 0xc7;
        emit_modrm(g);
        put(g, rnd(), g->byteop ? 1 : (g->osize == 2 ? 2 : 4));
        break;
    case 3: /* B0-BF */
        r = rn(nreg());
        g->form = MF_REG;
        g->rm = r;
        if (rn(2)) {
            byte_op(g);
            emit_prefixes(g, 0);
            g->b[g->n++] = (uint8_t)(0xb0 | (r & 7));
            put(g, rnd(), 1);
        } else {
            pick_osize(g);
            emit_prefixes(g, 0);
            g->b[g->n++] = (uint8_t)(0xb8 | (r & 7));
            put(g, rnd(), g->osize);
        }
        break;
    case 4: /* MOVZX/MOVSX */
    case 5: {
        static const uint8_t o[] = {0xb6, 0xb7, 0xbe, 0xbf};

        pick_osize(g);
        std_rm(g, true);
        g->rex_any = !compat && rn(2);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = o[rn(4)];
        emit_modrm(g);
        break;
    }
    case 6: /* MOVSXD (a plain MOV in compatibility mode, where 63 is ARPL) */
        g->osize = rn(4) ? wide() : 4;
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = compat ? 0x8b : 0x63;
        emit_modrm(g);
        break;
    case 7: /* moffs */
        if (rn(2))
            byte_op(g);
        else
            pick_osize(g);
        g->form = MF_REG;
        g->rm = 0;
        g->a32 = !compat && rn(3) == 0;
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(0xa0 | (rn(2) << 1) | !g->byteop);
        put(g, DATA_ADDR + 0x1000 + rn(0x2000), (g->a32 || compat) ? 4 : 8);
        break;
    default: /* LEA */
        pick_osize(g);
        std_rm(g, false);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x8d;
        emit_modrm(g);
        break;
    }
}

static void t_xchg(struct gen *g)
{
    unsigned int kind = rn(4);

    if (kind < 3 && rn(2))
        byte_op(g);
    else
        pick_osize(g);
    if (kind == 3) { /* 90+r */
        g->form = MF_REG;
        g->rm = rn(nreg());
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)(0x90 | (g->rm & 7));
        return;
    }
    std_rm(g, true);
    g->lock = g->form != MF_REG && rn(2);
    emit_prefixes(g, 0);
    if (kind == 0) {
        g->b[g->n++] = g->byteop ? 0x86 : 0x87;
    } else {
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)((kind == 1 ? 0xb0 : 0xc0) | !g->byteop);
    }
    emit_modrm(g);
    if (kind == 1 && rn(2)) /* CMPXCHG: make equality likely half the time */
        g->regs[X86_RAX] = g->form == MF_REG ? g->regs[g->rm] : 0;
}

static void t_bt(struct gen *g)
{
    unsigned int op = rn(4);

    g->undef = UND_BT;
    pick_osize(g);
    std_rm(g, true);
    if (rn(2)) {
        g->lock = op && g->form != MF_REG && rn(2);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0xa3 | (op << 3));
        emit_modrm(g);
        /* A register bit offset moves the address: keep it small and keep
         * the offset register apart from the address registers. */
        if (g->form != MF_REG) {
            while (g->reg == g->base || g->reg == g->index)
                g->reg = (g->reg + 1) % nreg();
            g->n = 0;
            g->b[0] = 0;
            emit_prefixes(g, 0);
            g->b[g->n++] = 0x0f;
            g->b[g->n++] = (uint8_t)(0xa3 | (op << 3));
            emit_modrm(g);
            g->regs[g->reg] = (uint64_t)(int64_t)(rn(1024) - 512);
        }
    } else {
        g->reg = 4 + op;
        g->lock = op && g->form != MF_REG && rn(2);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = 0xba;
        emit_modrm(g);
        put(g, rn(256), 1);
    }
}

static void t_cc(struct gen *g)
{
    unsigned int cc = rn(16);

    if (rn(2)) {
        byte_op(g);
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0x90 | cc);
    } else {
        pick_osize(g);
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0x40 | cc);
    }
    emit_modrm(g);
}

static void stack_setup(struct gen *g)
{
    g->reserved |= 1u << X86_RSP;
    g->regs[X86_RSP] = DATA_ADDR + 0x2000 + rn(0x100) * 8 - (rn(4) ? 0 : rn(8));
}

static void t_branch(struct gen *g)
{
    unsigned int kind = rn(10), cc = rn(16);
    uint64_t exit_b = CODE_ADDR + EXIT_B;

    g->branch = true;
    g->osize = 4;
    g->form = MF_REG;
    switch (kind) {
    case 0: /* Jcc rel8 */
        g->b[g->n++] = (uint8_t)(0x70 | cc);
        g->b[g->n++] = (uint8_t)(EXIT_B - 2);
        break;
    case 1: /* Jcc rel32 */
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0x80 | cc);
        put(g, EXIT_B - 6, 4);
        break;
    case 2: /* JMP */
        if (rn(2)) {
            g->b[g->n++] = 0xeb;
            g->b[g->n++] = EXIT_B - 2;
        } else {
            g->b[g->n++] = 0xe9;
            put(g, EXIT_B - 5, 4);
        }
        break;
    case 3: /* CALL rel32 */
        stack_setup(g);
        g->b[g->n++] = 0xe8;
        put(g, EXIT_B - 5, 4);
        break;
    case 4: /* RET, RET imm16 */
        stack_setup(g);
        if (rn(2)) {
            g->b[g->n++] = 0xc3;
        } else {
            g->b[g->n++] = 0xc2;
            put(g, rn(64), 2);
        }
        g->target = g->regs[X86_RSP]; /* return address planted by caller */
        break;
    case 5: /* JrCXZ, LOOP* */
    case 6:
        g->a32 = rn(2);
        g->reserved |= 1u << X86_RCX;
        g->regs[X86_RCX] = rn(2) ? rn(3) : interesting();
        if (g->a32)
            g->b[g->n++] = 0x67;
        g->b[g->n++] = (uint8_t)(0xe0 + rn(4));
        g->b[g->n++] = (uint8_t)(EXIT_B - 2 - g->a32);
        break;
    default: { /* CALL/JMP r/m64 */
        bool call = rn(2);

        if (call)
            stack_setup(g);
        g->osize = 4; /* no REX.W needed: 64-bit by default */
        g->reg = call ? 2 : 4;
        g->a32 = !compat && rn(4) == 0;
        plan_rm(g, true, true);
        if (g->form == MF_REG && g->rm == X86_RSP)
            g->rm = X86_RAX;
        emit_prefixes(g, 0);
        g->b[g->n++] = 0xff;
        emit_modrm(g);
        if (g->form == MF_REG)
            g->regs[g->rm] = exit_b;
        break;
    }
    }
}

static void t_stack(struct gen *g)
{
    unsigned int kind = rn(8);

    stack_setup(g);
    g->osize = rn(4) ? wide() : 2;
    g->form = MF_REG;
    switch (kind) {
    case 0: /* PUSH r */
    case 1: /* POP r */
        g->rm = rn(nreg());
        emit_prefixes(g, 0);
        g->b[g->n++] = (uint8_t)((kind ? 0x58 : 0x50) | (g->rm & 7));
        break;
    case 2: /* PUSH imm */
        emit_prefixes(g, 0);
        if (rn(2)) {
            g->b[g->n++] = 0x6a;
            put(g, rnd(), 1);
        } else {
            g->b[g->n++] = 0x68;
            put(g, rnd(), g->osize == 2 ? 2 : 4);
        }
        break;
    case 3: /* PUSH r/m, POP r/m */
        g->reg = rn(2) ? 6 : 0;
        g->a32 = !compat && rn(4) == 0;
        plan_rm(g, true, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = g->reg == 6 ? 0xff : 0x8f;
        emit_modrm(g);
        break;
    case 4: /* PUSHF */
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x9c;
        break;
    case 5: /* POPF: the popped value is planted by the caller */
        g->popf = true;
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x9d;
        break;
    case 6: /* LEAVE */
        g->reserved |= 1u << X86_RBP;
        g->regs[X86_RBP] = DATA_ADDR + 0x1800 + rn(0x100) * 8;
        emit_prefixes(g, 0);
        g->b[g->n++] = 0xc9;
        break;
    default: /* ENTER n, 0 */
        g->regs[X86_RBP] = rnd();
        emit_prefixes(g, 0);
        g->b[g->n++] = 0xc8;
        put(g, rn(0x200), 2);
        g->b[g->n++] = 0;
        break;
    }
}

static void t_string(struct gen *g)
{
    static const uint8_t ops[] = {0xa4, 0xa6, 0xaa, 0xac, 0xae};
    uint8_t op = ops[rn(5)];

    if (rn(2))
        byte_op(g);
    else
        pick_osize(g);
    g->form = MF_REG;
    g->rm = 0;
    g->a32 = !compat && rn(4) == 0;
    g->reserved |= (1u << X86_RSI) | (1u << X86_RDI) | (1u << X86_RCX);
    g->regs[X86_RSI] = (DATA_ADDR + 0x1800 + rn(0x1000)) | hi_garbage(g);
    g->regs[X86_RDI] = (DATA_ADDR + 0x1800 + rn(0x1000)) | hi_garbage(g);
    g->regs[X86_RCX] = rn(8) | hi_garbage(g);
    if (rn(3))
        g->rep = rn(2) ? 0xf3 : 0xf2;
    emit_prefixes(g, 0);
    g->b[g->n++] = op | !g->byteop;
}

static void t_misc(struct gen *g)
{
    static const uint8_t one[] = {0x98, 0x99, 0xf8, 0xf9, 0xf5, 0xfc, 0xfd, 0x9e, 0x9f, 0x90};
    unsigned int kind = rn(7);

    g->form = MF_REG;
    switch (kind) {
    case 0:
    case 1:
        pick_osize(g);
        emit_prefixes(g, 0);
        g->b[g->n++] = one[rn(ARRAY_SIZE(one))];
        break;
    case 2: /* XLAT */
        g->osize = 4;
        g->reserved |= 1u << X86_RBX;
        g->regs[X86_RBX] = DATA_ADDR + 0x1000 + rn(0x1000);
        g->b[g->n++] = 0xd7;
        break;
    case 3: /* BSWAP */
        g->osize = rn(2) ? wide() : 4;
        g->rm = rn(nreg());
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0xc8 | (g->rm & 7));
        break;
    case 4: /* BSF/BSR */
        pick_osize(g);
        std_rm(g, true);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)(0xbc + rn(2));
        emit_modrm(g);
        g->undef = UND_BS;
        break;
    case 5: { /* SHLD/SHRD */
        unsigned int bits, count;
        bool cl = rn(2);

        pick_osize(g);
        bits = 8 * g->osize;
        if (cl)
            g->reserved |= 1u << X86_RCX;
        std_rm(g, true);
        count = rn(bits + 1);
        if (cl)
            g->regs[X86_RCX] = count | (rn(4) << 6);
        emit_prefixes(g, 0);
        g->b[g->n++] = 0x0f;
        g->b[g->n++] = (uint8_t)((rn(2) ? 0xa4 : 0xac) | cl);
        emit_modrm(g);
        if (!cl)
            put(g, count | (rn(4) << 6), 1);
        count = (cl ? g->regs[X86_RCX] : count | 0) & (bits == 64 ? 63 : 31);
        if (!cl)
            count = g->b[g->n - 1] & (bits == 64 ? 63 : 31);
        if (bits == 16 && count > 16) { /* undefined results: make it a NOP */
            g->n = 0;
            g->b[g->n++] = 0x90;
            break;
        }
        g->undef = X86_FL_AF | (count != 1 ? X86_FL_OF : 0);
        break;
    }
    default: { /* POPCNT, NOPs, CMPXCHG8B/16B */
        unsigned int w = rn(3);

        if (w == 0) {
            pick_osize(g);
            std_rm(g, true);
            g->rep = 0xf3;
            emit_prefixes(g, 0);
            g->b[g->n++] = 0x0f;
            g->b[g->n++] = 0xb8;
            emit_modrm(g);
        } else if (w == 1) {
            g->osize = rn(2) ? 2 : 4;
            std_rm(g, false);
            emit_prefixes(g, 0);
            g->b[g->n++] = 0x0f;
            g->b[g->n++] = 0x1f;
            g->reg = 0;
            emit_modrm(g);
        } else {
            g->osize = rn(2) ? wide() : 4;
            g->reg = 1;
            g->a32 = !compat && rn(4) == 0;
            plan_rm(g, false, true);
            g->target &= g->osize == 8 ? ~15ull : ~0ull;
            g->lock = rn(2);
            emit_prefixes(g, 0);
            g->b[g->n++] = 0x0f;
            g->b[g->n++] = 0xc7;
            emit_modrm(g);
        }
        break;
    }
    }
}

static const struct {
    const char *name;
    void (*fn)(struct gen *g);
} templates[] = {
    {"alu", t_alu},
    {"grp1", t_grp1},
    {"test", t_test},
    {"inc-dec-not-neg", t_unary},
    {"shift", t_shift},
    {"mul-div", t_muldiv},
    {"imul", t_imul},
    {"mov-movx-lea", t_mov},
    {"xchg-cmpxchg-xadd", t_xchg},
    {"bt", t_bt},
    {"setcc-cmovcc", t_cc},
    {"branch", t_branch},
    {"stack", t_stack},
    {"string", t_string},
    {"misc", t_misc},
};

/* ---- running ---- */

static uint8_t data_init[DATA_SIZE];
static volatile sig_atomic_t in_native;

static void on_signal(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;

    if (!in_native) { /* a bug in the test or the emulator: crash loudly */
        signal(sig, SIG_DFL);
        return;
    }
    ST->signo = (uint64_t)sig;
    ST->trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    ST->fault_addr = (uint64_t)(uintptr_t)si->si_addr;
    ST->fault_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    /* Resume in 64-bit code (the fault may have been in compatibility mode). */
    uc->uc_mcontext.gregs[REG_CSGSFS] = (uc->uc_mcontext.gregs[REG_CSGSFS] & ~0xffffll) | 0x33;
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)native_fault_exit;
}

static int setup(void)
{
    static uint8_t altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    struct sigaction sa;
    int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
    unsigned int k;

    if (mmap((void *)ST_ADDR, 4096, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)ST_ADDR ||
        mmap((void *)DATA_ADDR, DATA_SIZE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)DATA_ADDR ||
        mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != (void *)CODE_ADDR) {
        perror("diff: mmap at fixed addresses");
        return -1;
    }
    if (sigaltstack(&ss, NULL)) {
        perror("diff: sigaltstack");
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    for (k = 0; k < ARRAY_SIZE(sigs); k++)
        sigaction(sigs[k], &sa, NULL);
    ST->exit_a = (uint64_t)(uintptr_t)native_exit_a;
    ST->exit_b = (uint64_t)(uintptr_t)native_exit_b;
    ST->far_entry.off = (uint32_t)CODE_ADDR;
    ST->far_entry.sel = 0x23; /* Linux's 32-bit user code segment */
    ST->far_exit_a.off = (uint32_t)(uintptr_t)native_exit32_a;
    ST->far_exit_a.sel = 0x33; /* back to the 64-bit one */
    ST->far_exit_b.off = (uint32_t)(uintptr_t)native_exit32_b;
    ST->far_exit_b.sel = 0x33;
    return 0;
}

static void put_exit(uint8_t *p, uint64_t slot)
{
    if (compat) { /* ljmp *slot (m16:32) */
        p[0] = 0xff;
        p[1] = 0x2d;
        memcpy(p + 2, &(uint32_t){(uint32_t)slot}, 4);
        return;
    }
    p[0] = 0xff; /* jmp *slot */
    p[1] = 0x24;
    p[2] = 0x25;
    memcpy(p + 3, &(uint32_t){(uint32_t)slot}, 4);
}

static const char *const regn[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

static void dump_case(const struct gen *g, const uint64_t *in, uint64_t in_fl)
{
    unsigned int k;

    printf("     bytes:");
    for (k = 0; k < g->n; k++)
        printf(" %02x", g->b[k]);
    printf("\n     in: fl=%#" PRIx64, in_fl);
    for (k = 0; k < 16; k++)
        printf(" %s=%#" PRIx64, regn[k], in[k]);
    printf("\n");
}

/* Run one case; returns true when native and emulated results agree. */
static bool run_one(struct gen *g, bool verbose)
{
    static struct env env;
    static uint8_t code[4096];
    struct x86_regs r;
    struct x86_emulate_ctxt ctxt;
    uint64_t in[16], in_fl, cmp_fl, nat_fl;
    unsigned int k;
    int rc;
    bool ok = true, nat_fault;
    const char *why = NULL;

    /* Memory: random data; planted return addresses / flags for RET/POPF. */
    for (k = 0; k < DATA_SIZE; k += 8) {
        uint64_t v = rnd();

        memcpy(data_init + k, &v, 8);
    }
    if (g->branch) { /* RET pops exit B */
        uint64_t t = CODE_ADDR + EXIT_B;

        if (g->regs[X86_RSP] >= DATA_ADDR && g->regs[X86_RSP] < DATA_ADDR + DATA_SIZE - 8)
            memcpy(data_init + (g->regs[X86_RSP] - DATA_ADDR), &t, 8);
        if (g->form != MF_REG) { /* CALL/JMP [mem] */
            uint64_t a = g->target;

            memcpy(data_init + (a - DATA_ADDR), &t, 8);
        }
    }
    if (g->popf) { /* no TF, AC or NT: they would disturb the host */
        uint64_t f = (rnd() & (X86_FL_ARITH | X86_FL_DF | X86_FL_ID | X86_FL_IOPL)) | 0x202;

        memcpy(data_init + (g->regs[X86_RSP] - DATA_ADDR), &f, g->osize == 2 ? 2 : 8);
    }
    memset(code, 0xcc, sizeof(code));
    memcpy(code, g->b, g->n);
    put_exit(code + g->n, ST_ADDR + (compat ? offsetof(struct st_block, far_exit_a)
                                            : offsetof(struct st_block, exit_a)));
    put_exit(code + EXIT_B, ST_ADDR + (compat ? offsetof(struct st_block, far_exit_b)
                                              : offsetof(struct st_block, exit_b)));

    memcpy(in, g->regs, sizeof(in));
    in_fl = (rnd() & (X86_FL_ARITH | X86_FL_DF)) | 0x202;

    /* Native. */
    memcpy((void *)DATA_ADDR, data_init, DATA_SIZE);
    memcpy((void *)CODE_ADDR, code, sizeof(code));
    for (k = 0; k < 16; k++)
        ST->in[k] = in[k];
    ST->in_fl = in_fl;
    ST->signo = 0;
    in_native = 1;
    if (compat)
        run_native32();
    else
        run_native(CODE_ADDR);
    in_native = 0;
    nat_fault = ST->signo != 0;

    /* Emulated. */
    env_init(&env);
    for (k = 0; k < DATA_SIZE; k += 4096)
        env_map(&env, DATA_ADDR + k);
    env_poke(&env, DATA_ADDR, data_init, DATA_SIZE);
    env_map(&env, CODE_ADDR);
    env_poke(&env, CODE_ADDR, code, sizeof(code));
    if (compat) {
        regs_compat(&r);
        r.seg[x86_seg_cs].sel = 0x23;
    } else {
        regs_mode64(&r);
        r.seg[x86_seg_cs].sel = 0x33;
    }
    r.cpl = 3;
    memcpy(r.gpr, in, sizeof(in));
    r.rip = CODE_ADDR;
    r.rflags = in_fl;
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &r;
    ctxt.ops = &env_ops;
    ctxt.priv = &env;
    ctxt.max_reps = 1u << 20;
    rc = x86_emulate(&ctxt);

    if (nat_fault) {
        if (rc != X86EMUL_EXCEPTION)
            why = "native faulted, emulator did not";
        else if (ctxt.event.vector != ST->trapno)
            why = "different exception vector";
        if (why) {
            ok = false;
            if (verbose)
                printf("     %s: native signal %" PRIu64 " trap %" PRIu64 " at %#" PRIx64
                       " address %#" PRIx64 ", emulator rc %d vector %u rip %#" PRIx64 "\n",
                       why, ST->signo, ST->trapno, ST->fault_rip, ST->fault_addr, rc,
                       ctxt.event.vector, r.rip);
        }
        goto out;
    }
    if (rc != X86EMUL_OKAY) {
        ok = false;
        if (verbose)
            printf("     emulator rc %d vector %u, native ran\n", rc, ctxt.event.vector);
        goto out;
    }
    /* Compatibility mode: only the low halves of the 8 legacy registers
     * exist; the rest is undefined after the return to 64-bit mode. */
    for (k = 0; k < nreg(); k++)
        if ((compat ? (uint32_t)(r.gpr[k] ^ ST->out[k]) : r.gpr[k] ^ ST->out[k]) != 0) {
            ok = false;
            if (verbose)
                printf("     %s: emulator %#" PRIx64 ", native %#" PRIx64 "\n", regn[k], r.gpr[k],
                       ST->out[k]);
        }
    cmp_fl = (X86_FL_ARITH | X86_FL_DF | X86_FL_ID | X86_FL_IOPL | X86_FL_NT) & ~g->undef;
    nat_fl = ST->out_fl;
    if ((r.rflags & cmp_fl) != (nat_fl & cmp_fl)) {
        ok = false;
        if (verbose)
            printf("     rflags: emulator %#" PRIx64 ", native %#" PRIx64 " (compared %#" PRIx64
                   ")\n",
                   r.rflags, nat_fl, cmp_fl);
    }
    if (r.rip != (ST->exit_taken == 2 ? CODE_ADDR + EXIT_B : CODE_ADDR + g->n)) {
        ok = false;
        if (verbose)
            printf("     rip: emulator %#" PRIx64 ", native took exit %" PRIu64 "\n", r.rip,
                   ST->exit_taken);
    }
    for (k = 0; k < DATA_SIZE; k++) {
        uint8_t e;

        env_peek(&env, DATA_ADDR + k, &e, 1);
        if (e != ((uint8_t *)DATA_ADDR)[k]) {
            ok = false;
            if (verbose)
                printf("     memory %#" PRIx64 ": emulator %#x, native %#x\n",
                       (uint64_t)(DATA_ADDR + k), e, ((uint8_t *)DATA_ADDR)[k]);
            break;
        }
    }
out:
    if (!ok && verbose)
        dump_case(g, in, in_fl);
    return ok;
}

/* Generate case number c of the current mode into g. */
static void make_case(struct gen *g, uint64_t seed, unsigned long c, unsigned int t)
{
    unsigned int k;

    rng_state = (seed * 0x9e3779b97f4a7c15ull) ^ (c * 0xbf58476d1ce4e5b9ull) ^ 0x1234567 ^
                (compat ? 0x5555 : 0);
    if (!rng_state)
        rng_state = 1;
    memset(g, 0, sizeof(*g));
    for (k = 0; k < 16; k++)
        g->regs[k] = interesting();
    templates[t].fn(g);
    finish_mem(g);
}

int main(int argc, char **argv)
{
    unsigned long cases = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    unsigned int nt = ARRAY_SIZE(templates), t, shown = 0, m;
    unsigned long c, faults = 0;
    unsigned int pass = 0, fail = 0;

    if (setup())
        return 2;
    /* Half the cases in 64-bit mode, half in compatibility mode. */
    for (m = 0; m < 2; m++) {
        unsigned long runs[ARRAY_SIZE(templates)] = {0}, bad[ARRAY_SIZE(templates)] = {0};
        struct gen g;

        compat = m == 1;
        for (c = 0; c < cases / 2; c++) {
            t = (unsigned int)(c % nt);
            make_case(&g, seed, c, t);
            runs[t]++;
            if (!run_one(&g, false)) {
                bad[t]++;
                if (shown < 20) { /* regenerate the same case, show details */
                    shown++;
                    printf("MISMATCH %s case %lu (%s):\n", compat ? "compat" : "64-bit", c,
                           templates[t].name);
                    make_case(&g, seed, c, t);
                    run_one(&g, true);
                }
            }
            faults += ST->signo != 0;
        }
        for (t = 0; t < nt; t++) {
            printf("%s diff%s %-20s %lu cases, %lu mismatches\n", bad[t] ? "FAIL" : "ok  ",
                   compat ? "32" : "64", templates[t].name, runs[t], bad[t]);
            if (bad[t])
                fail++;
            else
                pass++;
        }
    }
    printf("diff: %lu cases (%lu faulted natively, e.g. #DE), seed %" PRIu64 "\n", cases, faults,
           seed);
    printf("diff: %u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
