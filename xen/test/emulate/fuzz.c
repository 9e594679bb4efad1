/* libFuzzer target for the x86 decoder and emulator.
 *
 * The input chooses the processor mode, CPL, a few flags and register values,
 * and gives the instruction bytes; memory reads return bytes derived from the
 * input and the address, and some addresses fault. The target asserts what
 * must hold whatever the bytes: no crash or undefined behaviour (ASan/UBSan),
 * decoded length 1..15 (plus the 5-byte forced-emulation prefix), the same
 * length from x86_insn_length() and x86_emulate(), callbacks asked for 1..16
 * bytes, registers untouched on UNHANDLEABLE, RFLAGS bit 1 kept, and a valid
 * exception vector on EXCEPTION. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/x86-emulate.h>

struct fz {
    const uint8_t *data;
    size_t size;
    const uint8_t *code;
    size_t code_len;
    uint64_t code_lin;
};

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static uint8_t byte_at(const struct fz *f, uint64_t a)
{
    uint64_t h = a * 0x9e3779b97f4a7c15ull;

    return f->size ? (uint8_t)(f->data[(h >> 40) % f->size] ^ (h >> 56)) : (uint8_t)h;
}

/* Addresses whose hash says so fault, so that exception paths run. */
static bool faults(const struct fz *f, uint64_t a)
{
    return ((a >> 12) * 0xff51afd7ed558ccdull >> 60) == 0 && f->size & 1;
}

static int f_read(uint64_t lin, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    const struct fz *f = ctxt->priv;
    unsigned int k;

    CHECK(bytes >= 1 && bytes <= 16);
    if (faults(f, lin))
        return x86_emul_pagefault(ctxt, 0, lin);
    for (k = 0; k < bytes; k++)
        ((uint8_t *)buf)[k] = byte_at(f, lin + k);
    return X86EMUL_OKAY;
}

static int f_write(uint64_t lin, const void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    const struct fz *f = ctxt->priv;
    volatile uint8_t sink = 0;
    unsigned int k;

    CHECK(bytes >= 1 && bytes <= 16);
    for (k = 0; k < bytes; k++) /* touch every byte for ASan */
        sink ^= ((const uint8_t *)buf)[k];
    (void)sink;
    if (faults(f, lin ^ 0x5000))
        return x86_emul_pagefault(ctxt, 2, lin);
    return X86EMUL_OKAY;
}

static int f_fetch(uint64_t lin, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    const struct fz *f = ctxt->priv;
    unsigned int k;

    CHECK(bytes >= 1 && bytes <= 20);
    for (k = 0; k < bytes; k++) {
        uint64_t off = lin + k - f->code_lin;

        if (off < f->code_len)
            ((uint8_t *)buf)[k] = f->code[off];
        else if (off < 64)
            ((uint8_t *)buf)[k] = byte_at(f, lin + k);
        else
            return x86_emul_pagefault(ctxt, 0x10, lin + k);
    }
    return X86EMUL_OKAY;
}

static int f_read_io(uint16_t port, unsigned int bytes, uint32_t *val,
                     struct x86_emulate_ctxt *ctxt)
{
    CHECK(bytes == 1 || bytes == 2 || bytes == 4);
    *val = port * 0x01010101u;
    return (port & 0xff) == 0xee ? X86EMUL_RETRY : X86EMUL_OKAY;
    (void)ctxt;
}

static int f_write_io(uint16_t port, unsigned int bytes, uint32_t val,
                      struct x86_emulate_ctxt *ctxt)
{
    CHECK(bytes == 1 || bytes == 2 || bytes == 4);
    CHECK(bytes == 4 || val < (1u << (8 * bytes)));
    (void)ctxt;
    return (port & 0xff) == 0xee ? X86EMUL_RETRY : X86EMUL_OKAY;
}

static int f_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4], struct x86_emulate_ctxt *ctxt)
{
    out[0] = leaf;
    out[1] = sub;
    out[2] = ~leaf;
    out[3] = ~sub;
    (void)ctxt;
    return X86EMUL_OKAY;
}

static int f_read_cr(unsigned int reg, uint64_t *val, struct x86_emulate_ctxt *ctxt)
{
    CHECK(reg <= 15);
    *val = reg;
    (void)ctxt;
    return X86EMUL_OKAY;
}

static int f_write_cr(unsigned int reg, uint64_t val, struct x86_emulate_ctxt *ctxt)
{
    CHECK(reg <= 15);
    (void)val;
    return (val & 1) ? x86_emul_exception(ctxt, X86_EXC_GP, true, 0) : X86EMUL_OKAY;
}

static int f_read_msr(uint32_t msr, uint64_t *val, struct x86_emulate_ctxt *ctxt)
{
    *val = msr;
    return (msr & 1) ? x86_emul_exception(ctxt, X86_EXC_GP, true, 0) : X86EMUL_OKAY;
}

static int f_write_msr(uint32_t msr, uint64_t val, struct x86_emulate_ctxt *ctxt)
{
    (void)val;
    return (msr & 1) ? x86_emul_exception(ctxt, X86_EXC_GP, true, 0) : X86EMUL_OKAY;
}

static int f_cmpxchg(uint64_t lin, const void *old, const void *new, unsigned int bytes,
                     struct x86_emulate_ctxt *ctxt)
{
    const struct fz *f = ctxt->priv;
    volatile uint8_t sink = 0;
    unsigned int k;

    CHECK(bytes >= 1 && bytes <= 16);
    for (k = 0; k < bytes; k++)
        sink ^= ((const uint8_t *)old)[k] ^ ((const uint8_t *)new)[k];
    (void)sink;
    if (faults(f, lin ^ 0x9000))
        return X86EMUL_RETRY;
    return X86EMUL_OKAY;
}

static const struct x86_emulate_ops ops = {
    .read = f_read,
    .write = f_write,
    .fetch = f_fetch,
    .read_io = f_read_io,
    .write_io = f_write_io,
    .cpuid = f_cpuid,
    .read_cr = f_read_cr,
    .write_cr = f_write_cr,
    .read_msr = f_read_msr,
    .write_msr = f_write_msr,
    .cmpxchg = f_cmpxchg,
};

static void set_mode(struct x86_regs *r, unsigned int mode)
{
    unsigned int s;
    uint16_t code_attr = mode == 0 ? 0xa9b : mode == 1 ? 0xc9b : mode == 2 ? 0xc9b : 0x9b;

    for (s = 0; s < x86_seg_tr; s++) {
        r->seg[s].attr = s == x86_seg_cs ? code_attr : (mode == 3 ? 0x93 : 0xc93);
        r->seg[s].limit = mode == 3 ? 0xffff : 0xffffffffu;
    }
    r->seg[x86_seg_tr].attr = 0x8b;
    r->seg[x86_seg_tr].limit = 0x2067;
    r->cr0 = mode == 3 ? 0x10 : (mode == 1 ? 0x11 : 0x80000011);
    r->efer = (mode == 0 || mode == 2) ? 0xd00 : 0;
}

/* Layout: [0] mode/cpl/force, [1] rflags low, [2] rflags high,
 * [3..10] a seed for the registers, [11] max_reps, then instruction bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f = {.data = data, .size = size};
    struct x86_regs r, before;
    struct x86_emulate_ctxt ctxt;
    unsigned int len1 = 0, k, maxlen;
    uint64_t seed = 0;
    int rc1, rc2;

    if (size < 12)
        return 0;
    memset(&r, 0, sizeof(r));
    set_mode(&r, data[0] & 3);
    r.cpl = (data[0] >> 2) & 3;
    r.rflags = (data[1] | ((uint64_t)data[2] << 8)) & ~(uint64_t)X86_FL_TF;
    r.rflags |= X86_FL_MBS;
    memcpy(&seed, data + 3, 8);
    for (k = 0; k < 16; k++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        r.gpr[k] = (k & 1) ? seed >> (seed & 63) : seed;
    }
    r.rip = (data[0] & 0x40) ? 0xfff8 + (data[1] & 7) : 0x1000;
    r.seg[x86_seg_tr].base = 0x3000;
    f.code = data + 12;
    f.code_len = size - 12;
    f.code_lin = r.rip + (x86_mode_bytes(&r) == 8 ? 0 : r.seg[x86_seg_cs].base);

    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.ops = &ops;
    ctxt.priv = &f;
    ctxt.force_prefix = data[0] & 0x20;
    ctxt.max_reps = data[11];

    before = r;
    ctxt.regs = &r;
    rc1 = x86_insn_length(&ctxt, &len1, NULL);
    CHECK(rc1 >= X86EMUL_OKAY && rc1 <= X86EMUL_RETRY);
    CHECK(!memcmp(&r, &before, sizeof(r)));
    if (rc1 == X86EMUL_OKAY) {
        maxlen = 15 + ctxt.insn.forced_len;
        CHECK(len1 >= 1 && len1 <= maxlen);
        CHECK(ctxt.insn.op_bytes == 1 || ctxt.insn.op_bytes == 2 || ctxt.insn.op_bytes == 4 ||
              ctxt.insn.op_bytes == 8);
        CHECK(ctxt.insn.ad_bytes == 2 || ctxt.insn.ad_bytes == 4 || ctxt.insn.ad_bytes == 8);
    }

    rc2 = x86_emulate(&ctxt);
    CHECK(rc2 >= X86EMUL_OKAY && rc2 <= X86EMUL_RETRY);
    if (rc1 == X86EMUL_OKAY && (rc2 == X86EMUL_OKAY || rc2 == X86EMUL_UNHANDLEABLE))
        CHECK(ctxt.insn.len == len1);
    if (rc2 == X86EMUL_UNHANDLEABLE)
        CHECK(!memcmp(&r, &before, sizeof(r)));
    if (rc2 == X86EMUL_OKAY)
        CHECK(r.rflags & X86_FL_MBS);
    if (rc2 == X86EMUL_EXCEPTION)
        CHECK(ctxt.event.vector < 32);
    return 0;
}
