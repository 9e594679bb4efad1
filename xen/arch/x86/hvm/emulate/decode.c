/* x86 instruction decoder: prefixes, REX, opcode maps, ModRM/SIB,
 * displacements and immediates, in 16-, 32- and 64-bit modes. */
#include "private.h"

#define E(f, i) ((uint16_t)((f) | ((i) << 8)))
#define ALU_ROW E(D_M | D_B, 0), E(D_M, 0), E(D_M | D_B, 0), E(D_M, 0), E(D_B, I_8), E(0, I_Z)

/* One-byte opcode map. */
static const uint16_t map0[256] = {
    /* 00 */ ALU_ROW,
    E(D_I64, 0),
    E(D_I64, 0),
    /* 08 */ ALU_ROW,
    E(D_I64, 0),
    E(D_INV, 0), /* 0F handled apart */
    /* 10 */ ALU_ROW,
    E(D_I64, 0),
    E(D_I64, 0),
    /* 18 */ ALU_ROW,
    E(D_I64, 0),
    E(D_I64, 0),
    /* 20 */ ALU_ROW,
    E(D_PFX, 0),
    E(D_I64, 0),
    /* 28 */ ALU_ROW,
    E(D_PFX, 0),
    E(D_I64, 0),
    /* 30 */ ALU_ROW,
    E(D_PFX, 0),
    E(D_I64, 0),
    /* 38 */ ALU_ROW,
    E(D_PFX, 0),
    E(D_I64, 0),
    /* 40 INC/DEC or REX */
    [0x40 ... 0x4f] = E(0, 0),
    /* 50 PUSH/POP */
    [0x50 ... 0x5f] = E(D_D64, 0),
    /* 60 */ E(D_I64, 0),
    E(D_I64, 0),
    E(D_M | D_I64, 0),
    E(D_M, 0),
    E(D_PFX, 0),
    E(D_PFX, 0),
    E(D_PFX, 0),
    E(D_PFX, 0),
    /* 68 */ E(D_D64, I_Z),
    E(D_M, I_Z),
    E(D_D64, I_8),
    E(D_M, I_8),
    E(D_B, 0),
    E(0, 0),
    E(D_B, 0),
    E(0, 0),
    /* 70 Jcc rel8 */
    [0x70 ... 0x7f] = E(D_BR, I_8),
    /* 80 */ E(D_M | D_B, I_8),
    E(D_M, I_Z),
    E(D_M | D_B | D_I64, I_8),
    E(D_M, I_8),
    E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M | D_B, 0),
    E(D_M, 0),
    /* 88 */ E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M | D_D64, 0),
    /* 90 */ [0x90 ... 0x97] = E(0, 0),
    /* 98 */ E(0, 0),
    E(0, 0),
    E(D_I64, I_FAR),
    E(0, 0),
    E(D_D64, 0),
    E(D_D64, 0),
    E(0, 0),
    E(0, 0),
    /* A0 */ E(D_B, I_MOFFS),
    E(0, I_MOFFS),
    E(D_B, I_MOFFS),
    E(0, I_MOFFS),
    E(D_B, 0),
    E(0, 0),
    E(D_B, 0),
    E(0, 0),
    /* A8 */ E(D_B, I_8),
    E(0, I_Z),
    E(D_B, 0),
    E(0, 0),
    E(D_B, 0),
    E(0, 0),
    E(D_B, 0),
    E(0, 0),
    /* B0 */ [0xb0 ... 0xb7] = E(D_B, I_8),
    /* B8 */ [0xb8 ... 0xbf] = E(0, I_V),
    /* C0 */ E(D_M | D_B, I_U8),
    E(D_M, I_U8),
    E(D_BR, I_16),
    E(D_BR, 0),
    E(D_M | D_I64, 0),
    E(D_M | D_I64, 0),
    E(D_M | D_B, I_8),
    E(D_M, I_Z),
    /* C8 */ E(D_D64, I_ENTER),
    E(D_D64, 0),
    E(0, I_16),
    E(0, 0),
    E(0, 0),
    E(0, I_U8),
    E(D_I64, 0),
    E(0, 0),
    /* D0 */ E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_I64, I_U8),
    E(D_I64, I_U8),
    E(D_I64, 0),
    E(D_B, 0),
    /* D8 x87 */ [0xd8 ... 0xdf] = E(D_M, 0),
    /* E0 */ E(D_BR, I_8),
    E(D_BR, I_8),
    E(D_BR, I_8),
    E(D_BR, I_8),
    E(D_B, I_U8),
    E(0, I_U8),
    E(D_B, I_U8),
    E(0, I_U8),
    /* E8 */ E(D_BR, I_Z),
    E(D_BR, I_Z),
    E(D_I64, I_FAR),
    E(D_BR, I_8),
    E(D_B, 0),
    E(0, 0),
    E(D_B, 0),
    E(0, 0),
    /* F0 */ E(D_PFX, 0),
    E(0, 0),
    E(D_PFX, 0),
    E(D_PFX, 0),
    E(0, 0),
    E(0, 0),
    E(D_M | D_B, 0),
    E(D_M, 0),
    /* F8 */ E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(D_M | D_B, 0),
    E(D_M, 0),
};

/* Two-byte opcode map (0F xx). Opcodes without an entry are invalid. */
static const uint16_t map1[256] = {
    /* 00 */ E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_INV, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    /* 08 */ E(0, 0),
    E(0, 0),
    E(D_INV, 0),
    E(0, 0),
    E(D_INV, 0),
    E(D_M, 0),
    E(0, 0),
    E(D_M, I_U8),
    /* 10 */ [0x10 ... 0x17] = E(D_M, 0),
    /* 18 hint NOPs */ [0x18 ... 0x1f] = E(D_M, 0),
    /* 20 MOV CR/DR: always register forms */
    [0x20 ... 0x23] = E(D_M | D_NOMEM, 0),
    [0x24 ... 0x27] = E(D_INV, 0),
    [0x28 ... 0x2f] = E(D_M, 0),
    /* 30 */ E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(0, 0),
    E(D_INV, 0),
    E(0, 0),
    /* 38 */ E(D_M, 0),
    E(D_INV, 0),
    E(D_M, I_U8),
    E(D_INV, 0),
    E(D_INV, 0),
    E(D_INV, 0),
    E(D_INV, 0),
    E(D_INV, 0),
    /* 40 CMOVcc */ [0x40 ... 0x4f] = E(D_M, 0),
    /* 50 SSE/MMX */ [0x50 ... 0x6f] = E(D_M, 0),
    /* 70 */ E(D_M, I_U8),
    E(D_M, I_U8),
    E(D_M, I_U8),
    E(D_M, I_U8),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(0, 0),
    /* 78 */ E(D_M, 0),
    E(D_M, 0),
    E(D_INV, 0),
    E(D_INV, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    /* 80 Jcc rel16/32 */ [0x80 ... 0x8f] = E(D_BR, I_Z),
    /* 90 SETcc */ [0x90 ... 0x9f] = E(D_M | D_B, 0),
    /* A0 */ E(D_D64, 0),
    E(D_D64, 0),
    E(0, 0),
    E(D_M, 0),
    E(D_M, I_U8),
    E(D_M, 0),
    E(D_INV, 0),
    E(D_INV, 0),
    /* A8 */ E(D_D64, 0),
    E(D_D64, 0),
    E(0, 0),
    E(D_M, 0),
    E(D_M, I_U8),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    /* B0 */ E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    /* B8 */ E(D_M, 0),
    E(D_M, 0),
    E(D_M, I_U8),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    E(D_M, 0),
    /* C0 */ E(D_M | D_B, 0),
    E(D_M, 0),
    E(D_M, I_U8),
    E(D_M, 0),
    E(D_M, I_U8),
    E(D_M, I_U8),
    E(D_M, I_U8),
    E(D_M, 0),
    /* C8 BSWAP */ [0xc8 ... 0xcf] = E(0, 0),
    /* D0 SSE/MMX */ [0xd0 ... 0xff] = E(D_M, 0),
};

static bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

unsigned int x86_mode_bytes(const struct x86_regs *r)
{
    const struct x86_segment *cs = &r->seg[x86_seg_cs];

    if ((r->efer & X86_EFER_LMA) && (cs->attr & X86_SEG_L))
        return 8;
    if (!(r->cr0 & X86_CR0_PE) || (r->rflags & X86_FL_VM))
        return 2;
    return (cs->attr & X86_SEG_DB) ? 4 : 2;
}

bool x86_mode_64(const struct x86_regs *r)
{
    return x86_mode_bytes(r) == 8;
}

int x86_emul_exception(struct x86_emulate_ctxt *ctxt, uint8_t vector, bool has_ec, uint32_t ec)
{
    ctxt->event.vector = vector;
    ctxt->event.has_error_code = has_ec;
    ctxt->event.error_code = has_ec ? ec : 0;
    ctxt->event.cr2 = 0;
    return X86EMUL_EXCEPTION;
}

int x86_emul_pagefault(struct x86_emulate_ctxt *ctxt, uint32_t ec, uint64_t cr2)
{
    x86_emul_exception(ctxt, X86_EXC_PF, true, ec);
    ctxt->event.cr2 = cr2;
    return X86EMUL_EXCEPTION;
}

/* Instruction bytes, fetched lazily from CS:RIP. */
struct fetch_state {
    uint8_t buf[X86_MAX_INSN_LEN + 5 + 1];
    unsigned int have;  /* bytes fetched */
    unsigned int pos;   /* bytes consumed */
    unsigned int limit; /* bytes allowed (15 + forced prefix) */
};

static int fetch_more(struct x86_emulate_ctxt *ctxt, struct fetch_state *f, unsigned int need)
{
    const struct x86_regs *r = ctxt->regs;
    const struct x86_segment *cs = &r->seg[x86_seg_cs];
    unsigned int mode = x86_mode_bytes(r);
    uint64_t off = r->rip + f->have, lin;
    unsigned int chunk, pg;
    int rc;

    if (need > f->limit)
        return x86_emul_exception(ctxt, X86_EXC_GP, true, 0);
    if (!ctxt->ops->fetch)
        return X86EMUL_UNHANDLEABLE;
    if (mode == 8) {
        lin = off;
        if (!is_canonical(lin) || !is_canonical(lin + (need - f->have) - 1))
            return x86_emul_exception(ctxt, X86_EXC_GP, true, 0);
    } else {
        off &= mode == 4 ? 0xffffffffull : 0xffffull;
        if (off + (need - f->have) - 1 > cs->limit)
            return x86_emul_exception(ctxt, X86_EXC_GP, true, 0);
        lin = (cs->base + off) & 0xffffffffull;
    }
    /* Fetch at least what is needed, and more up to the end of the page
     * (and of the segment) so that most instructions need one call. */
    chunk = f->limit - f->have;
    pg = 4096 - (unsigned int)(lin & 4095);
    if (chunk > pg)
        chunk = pg;
    if (mode != 8 && off + chunk - 1 > cs->limit)
        chunk = (unsigned int)(cs->limit - off + 1);
    if (chunk < need - f->have)
        chunk = need - f->have;
    rc = ctxt->ops->fetch(lin, f->buf + f->have, chunk, ctxt);
    if (rc != X86EMUL_OKAY)
        return rc;
    f->have += chunk;
    return X86EMUL_OKAY;
}

static int next_bytes(struct x86_emulate_ctxt *ctxt, struct fetch_state *f, unsigned int n,
                      uint64_t *val)
{
    unsigned int i;
    uint64_t v = 0;
    int rc;

    if (f->pos + n > f->have) {
        rc = fetch_more(ctxt, f, f->pos + n);
        if (rc != X86EMUL_OKAY)
            return rc;
    }
    for (i = 0; i < n; i++)
        v |= (uint64_t)f->buf[f->pos + i] << (8 * i);
    f->pos += n;
    *val = v;
    return X86EMUL_OKAY;
}

static uint64_t sext(uint64_t v, unsigned int bytes)
{
    unsigned int sh = 64 - 8 * bytes;

    return bytes >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

static enum x86_insn_class classify(const struct x86_insn *i)
{
    if (i->map == 0) {
        switch (i->opcode) {
        case 0xf4:
            return X86_INSN_HLT;
        case 0xe4:
        case 0xe5:
        case 0xec:
        case 0xed:
            return X86_INSN_IN;
        case 0xe6:
        case 0xe7:
        case 0xee:
        case 0xef:
            return X86_INSN_OUT;
        case 0x6c:
        case 0x6d:
            return X86_INSN_INS;
        case 0x6e:
        case 0x6f:
            return X86_INSN_OUTS;
        case 0x90:
            return i->rep == 0xf3 ? X86_INSN_PAUSE : X86_INSN_OTHER;
        case 0xcc:
            return X86_INSN_INT3;
        }
        return X86_INSN_OTHER;
    }
    if (i->map != 1)
        return X86_INSN_OTHER;
    switch (i->opcode) {
    case 0xa2:
        return X86_INSN_CPUID;
    case 0x30:
        return X86_INSN_WRMSR;
    case 0x32:
        return X86_INSN_RDMSR;
    case 0x31:
        return X86_INSN_RDTSC;
    case 0x0b:
        return X86_INSN_UD2;
    case 0x20:
    case 0x22:
        return X86_INSN_MOV_CR;
    case 0x01:
        if (i->modrm == 0xd9)
            return X86_INSN_VMMCALL;
        if (i->modrm == 0xc1)
            return X86_INSN_VMCALL;
        if (i->mod != 3 && (i->reg & 7) == 7)
            return X86_INSN_INVLPG;
        break;
    }
    return X86_INSN_OTHER;
}

/* ModRM, SIB and displacement. */
static int decode_modrm(struct x86_emulate_ctxt *ctxt, struct fetch_state *f, struct x86_insn *i,
                        unsigned int mode)
{
    uint64_t v;
    int rc;

    rc = next_bytes(ctxt, f, 1, &v);
    if (rc)
        return rc;
    i->has_modrm = true;
    i->modrm = (uint8_t)v;
    i->mod = i->modrm >> 6;
    i->reg = ((i->modrm >> 3) & 7) | ((i->rex & 4) << 1);
    i->rm = i->modrm & 7;
    if (i->mod == 3) {
        i->rm |= (i->rex & 1) << 3;
        return X86EMUL_OKAY;
    }
    if (i->ad_bytes == 2) {
        /* 16-bit forms: no SIB; rm 6 with mod 0 is disp16. */
        if (i->mod == 0 && i->rm == 6) {
            rc = next_bytes(ctxt, f, 2, &v);
            i->disp = (int16_t)v;
        } else if (i->mod == 1) {
            rc = next_bytes(ctxt, f, 1, &v);
            i->disp = (int8_t)v;
        } else if (i->mod == 2) {
            rc = next_bytes(ctxt, f, 2, &v);
            i->disp = (int16_t)v;
        }
        if (!i->seg_override && (i->rm == 2 || i->rm == 3 || (i->rm == 6 && i->mod != 0)))
            i->seg = x86_seg_ss;
        return rc;
    }
    if (i->rm == 4) {
        rc = next_bytes(ctxt, f, 1, &v);
        if (rc)
            return rc;
        i->has_sib = true;
        i->sib = (uint8_t)v;
        if ((i->sib & 7) == 5 && i->mod == 0) {
            rc = next_bytes(ctxt, f, 4, &v);
            i->disp = (int32_t)v;
        } else if (!i->seg_override && ((i->sib & 7) == 4 || (i->sib & 7) == 5))
            i->seg = x86_seg_ss; /* rSP/rBP (r12/r13 are not stack registers) */
        if (!i->seg_override && ((i->sib & 7) == 4 || (i->sib & 7) == 5) && (i->rex & 1) &&
            !(i->mod == 0 && (i->sib & 7) == 5))
            i->seg = x86_seg_ds;
    } else if (i->rm == 5 && i->mod == 0) {
        rc = next_bytes(ctxt, f, 4, &v);
        i->disp = (int32_t)v;
        if (mode == 8)
            i->rip_rel = true;
    } else if (i->rm == 5 && !i->seg_override && !(i->rex & 1))
        i->seg = x86_seg_ss;
    if (rc)
        return rc;
    i->rm |= (i->rex & 1) << 3;
    if (i->mod == 1) {
        rc = next_bytes(ctxt, f, 1, &v);
        i->disp = (int8_t)v;
    } else if (i->mod == 2) {
        rc = next_bytes(ctxt, f, 4, &v);
        i->disp = (int32_t)v;
    }
    return rc;
}

static int decode_imm(struct x86_emulate_ctxt *ctxt, struct fetch_state *f, struct x86_insn *i,
                      unsigned int kind)
{
    uint64_t v = 0, w = 0;
    unsigned int n;
    int rc = X86EMUL_OKAY;

    switch (kind) {
    case I_8:
        rc = next_bytes(ctxt, f, 1, &v);
        v = sext(v, 1);
        break;
    case I_U8:
        rc = next_bytes(ctxt, f, 1, &v);
        break;
    case I_16:
        rc = next_bytes(ctxt, f, 2, &v);
        break;
    case I_Z:
        n = i->op_bytes == 2 ? 2 : 4;
        rc = next_bytes(ctxt, f, n, &v);
        v = sext(v, n);
        break;
    case I_V:
        rc = next_bytes(ctxt, f, i->op_bytes, &v);
        break;
    case I_MOFFS:
        rc = next_bytes(ctxt, f, i->ad_bytes, &v);
        break;
    case I_FAR:
        rc = next_bytes(ctxt, f, i->op_bytes == 2 ? 2 : 4, &v);
        if (!rc)
            rc = next_bytes(ctxt, f, 2, &w);
        break;
    case I_ENTER:
        rc = next_bytes(ctxt, f, 2, &v);
        if (!rc)
            rc = next_bytes(ctxt, f, 1, &w);
        break;
    }
    i->imm = v;
    i->imm2 = w;
    return rc;
}

static const uint8_t force_sig[5] = {0x0f, 0x0b, 'x', 'e', 'n'};

int x86_decode(struct x86_emulate_ctxt *ctxt)
{
    struct x86_insn *i = &ctxt->insn;
    struct fetch_state f;
    unsigned int mode = x86_mode_bytes(ctxt->regs), def_op, imm_kind;
    uint16_t ent;
    uint64_t v;
    uint8_t b;
    int rc;

    memset(i, 0, sizeof(*i));
    f.have = f.pos = 0;
    f.limit = X86_MAX_INSN_LEN;
    i->seg = x86_seg_ds;
    if (ctxt->force_prefix) {
        /* Look for the signature without faulting past what hardware
         * would have fetched for a bare ud2a. */
        f.limit = 2;
        rc = next_bytes(ctxt, &f, 2, &v);
        if (rc)
            return rc;
        if (v == 0x0b0f) {
            f.limit = 5;
            /* A bare ud2 at the end of a page stays a #UD: a failed fetch
             * of the signature just means there is none. */
            rc = next_bytes(ctxt, &f, 3, &v);
            if (rc == X86EMUL_OKAY && !memcmp(f.buf, force_sig, 5))
                i->forced_len = 5;
            else if (rc != X86EMUL_OKAY)
                f.have = 2;
        }
        f.pos = i->forced_len;
        f.limit = X86_MAX_INSN_LEN + i->forced_len;
    }

    def_op = mode == 8 ? 4 : mode;
    i->op_bytes = def_op;
    i->ad_bytes = mode;

    /* Legacy prefixes, then REX (only meaningful right before the opcode). */
    for (;;) {
        rc = next_bytes(ctxt, &f, 1, &v);
        if (rc)
            return rc;
        b = (uint8_t)v;
        if (mode == 8 && (b & 0xf0) == 0x40) {
            i->rex = b;
            continue;
        }
        if (!(map0[b] & D_PFX))
            break;
        i->rex = 0; /* a legacy prefix after REX cancels it */
        switch (b) {
        case 0x66:
            i->opsize_prefix = true;
            i->op_bytes = def_op == 2 ? 4 : 2;
            break;
        case 0x67:
            i->ad_bytes = mode == 8 ? 4 : (mode == 4 ? 2 : 4);
            break;
        case 0xf0:
            i->lock = true;
            break;
        case 0xf2:
        case 0xf3:
            i->rep = b;
            break;
        case 0x26:
        case 0x2e:
        case 0x36:
        case 0x3e:
            /* In 64-bit mode ES/CS/SS/DS overrides are ignored. */
            if (mode != 8) {
                i->seg = (b >> 3) & 3;
                i->seg_override = true;
            }
            break;
        case 0x64:
        case 0x65:
            i->seg = b == 0x64 ? x86_seg_fs : x86_seg_gs;
            i->seg_override = true;
            break;
        }
    }
    if (i->rex & 8)
        i->op_bytes = 8;

    i->opc_off = (uint8_t)(f.pos - 1);
    if (b == 0x0f) {
        rc = next_bytes(ctxt, &f, 1, &v);
        if (rc)
            return rc;
        b = (uint8_t)v;
        if (b == 0x38 || b == 0x3a) {
            i->map = b == 0x38 ? 2 : 3;
            rc = next_bytes(ctxt, &f, 1, &v);
            if (rc)
                return rc;
            b = (uint8_t)v;
            ent = E(D_M, i->map == 3 ? I_U8 : 0);
        } else {
            i->map = 1;
            ent = map1[b];
        }
    } else {
        i->map = 0;
        ent = map0[b];
        /* VEX (C4/C5), EVEX (62) and XOP (8F with reg != 0) prefixes. */
        if ((b == 0xc4 || b == 0xc5 || b == 0x62) && mode == 8)
            return X86EMUL_UNHANDLEABLE;
    }
    i->opcode = b;
    i->flags = (uint8_t)ent;
    imm_kind = ent >> 8;

    if ((ent & D_I64) && mode == 8)
        i->invalid = true;
    if (ent & D_INV)
        i->invalid = true;
    if (mode == 8 && (ent & (D_D64 | D_BR)) && !(i->rex & 8))
        i->op_bytes = i->opsize_prefix ? 2 : 8;
    if (mode == 8 && (ent & D_BR))
        i->op_bytes = 8;
    if (ent & D_B)
        i->op_bytes = 1;

    if (ent & D_M) {
        rc = decode_modrm(ctxt, &f, i, mode);
        if (rc)
            return rc;
        if ((ent & D_NOMEM) && i->mod != 3)
            i->mod = 3; /* MOV CR/DR ignore mod: always registers */
        if (i->map == 0) {
            if ((i->opcode == 0xc4 || i->opcode == 0xc5) && i->mod == 3)
                return X86EMUL_UNHANDLEABLE; /* VEX in 32-bit mode */
            if (i->opcode == 0x8f && (i->reg & 7) != 0)
                return X86EMUL_UNHANDLEABLE; /* XOP */
            if (i->opcode == 0x62 && i->mod == 3 && mode != 8)
                return X86EMUL_UNHANDLEABLE; /* EVEX */
        }
    }
    /* Immediates that depend on the ModRM reg field. */
    if (i->map == 0 && (i->opcode == 0xf6 || i->opcode == 0xf7) && (i->reg & 7) < 2)
        imm_kind = i->opcode == 0xf6 ? I_8 : I_Z;
    if (i->map == 0 && (i->opcode & 0xf8) == 0xb8 && i->op_bytes != 8)
        imm_kind = I_Z;
    if (i->map == 0 && (i->opcode == 0xc7 || i->opcode == 0xc6) && i->modrm == 0xf8)
        imm_kind = i->opcode == 0xc6 ? I_8 : I_Z; /* XABORT/XBEGIN */
    if (i->map == 0 && (i->opcode == 0xe8 || i->opcode == 0xe9) && mode == 8 && i->opsize_prefix)
        return X86EMUL_UNHANDLEABLE; /* vendor-specific rel16 in 64-bit mode */
    if (i->map == 1 && (i->opcode & 0xf0) == 0x80 && mode == 8 && i->opsize_prefix)
        return X86EMUL_UNHANDLEABLE;
    i->flags2 = (uint8_t)imm_kind;
    rc = decode_imm(ctxt, &f, i, imm_kind);
    if (rc)
        return rc;
    if (i->map == 0 && (i->opcode & 0xf8) == 0xb8 && i->op_bytes == 4)
        i->imm &= 0xffffffffull;

    i->len = (uint8_t)f.pos;
    i->cls = classify(i);
    return X86EMUL_OKAY;
}

int x86_insn_length(struct x86_emulate_ctxt *ctxt, unsigned int *len, enum x86_insn_class *cls)
{
    int rc = x86_decode(ctxt);

    if (rc != X86EMUL_OKAY)
        return rc;
    if (len)
        *len = ctxt->insn.len;
    if (cls)
        *cls = ctxt->insn.cls;
    return X86EMUL_OKAY;
}
