/* x86 instruction executor: carries out a decoded instruction on a working
 * copy of the registers, through the caller's callbacks, and commits the
 * registers only when the instruction completes (string instructions commit
 * every finished iteration). */
#include "private.h"

struct emu {
    struct x86_emulate_ctxt *ctxt;
    struct x86_insn *i;
    struct x86_regs r; /* working copy */
    unsigned int mode; /* 2, 4 or 8 */
    bool branched;     /* RIP was set by the instruction */
    bool partial;      /* REP instruction stopped early, progress committed */
    bool atomic;       /* memory writes must be atomic with the reads */
};

enum { OP_NONE, OP_REG, OP_MEM, OP_IMM };

struct operand {
    int type;
    unsigned int bytes;
    unsigned int reg; /* OP_REG: register number */
    bool high8;       /* OP_REG: AH/CH/DH/BH */
    uint8_t seg;      /* OP_MEM */
    uint64_t off;     /* OP_MEM: effective address (truncated to address size) */
    uint64_t val;
};

/* ---- small arithmetic helpers ---- */

static uint64_t mask_of(unsigned int bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static uint64_t sign_of(unsigned int bytes)
{
    return 1ull << (8 * bytes - 1);
}

static uint64_t sext(uint64_t v, unsigned int bytes)
{
    unsigned int sh = 64 - 8 * bytes;

    return bytes >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static uint64_t flags_szp(uint64_t res, unsigned int bytes)
{
    uint64_t f = 0;
    uint8_t p = (uint8_t)res;

    res &= mask_of(bytes);
    if (!res)
        f |= X86_FL_ZF;
    if (res & sign_of(bytes))
        f |= X86_FL_SF;
    p ^= p >> 4;
    p ^= p >> 2;
    p ^= p >> 1;
    if (!(p & 1))
        f |= X86_FL_PF;
    return f;
}

static void set_flags(struct emu *e, uint64_t which, uint64_t val)
{
    e->r.rflags = (e->r.rflags & ~which) | (val & which);
}

/* 64 x 64 -> 128 unsigned multiply. */
static uint64_t mul64(uint64_t a, uint64_t b, uint64_t *hi)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return (mid << 32) | (uint32_t)ll;
}

/* 128 / 64 unsigned divide; requires hi < d (quotient fits in 64 bits). */
static uint64_t div128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0;
    unsigned int k;

    if (!hi) {
        *rem = lo % d;
        return lo / d;
    }
    for (k = 0; k < 64; k++) {
        bool top = hi >> 63;

        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        q <<= 1;
        if (top || hi >= d) {
            hi -= d;
            q |= 1;
        }
    }
    *rem = hi;
    return q;
}

/* ---- registers ---- */

static uint64_t reg_get(struct emu *e, unsigned int reg, unsigned int bytes, bool high8)
{
    if (high8)
        return (e->r.gpr[reg] >> 8) & 0xff;
    return e->r.gpr[reg] & mask_of(bytes);
}

static void reg_set(struct emu *e, unsigned int reg, unsigned int bytes, bool high8, uint64_t v)
{
    uint64_t *g = &e->r.gpr[reg];

    if (high8)
        *g = (*g & ~0xff00ull) | ((v & 0xff) << 8);
    else if (bytes == 4)
        *g = (uint32_t)v; /* 32-bit writes zero-extend */
    else if (bytes == 8)
        *g = v;
    else
        *g = (*g & ~mask_of(bytes)) | (v & mask_of(bytes));
}

/* A register operand by encoding number (byte registers follow REX rules). */
static void op_reg(struct emu *e, struct operand *op, unsigned int reg, unsigned int bytes)
{
    op->type = OP_REG;
    op->bytes = bytes;
    op->high8 = bytes == 1 && !e->i->rex && reg >= 4 && reg < 8;
    op->reg = op->high8 ? reg - 4 : reg;
}

/* ---- memory ---- */

static uint64_t ad_mask(struct emu *e)
{
    return mask_of(e->i->ad_bytes);
}

static int seg_fault(struct emu *e, unsigned int seg)
{
    return x86_emul_exception(e->ctxt, seg == x86_seg_ss ? X86_EXC_SS : X86_EXC_GP, true, 0);
}

/* Segmentation and canonical checks; gives the linear address. */
static int linearise(struct emu *e, unsigned int seg, uint64_t off, unsigned int bytes, bool write,
                     uint64_t *lin)
{
    const struct x86_segment *s;
    bool prot = (e->r.cr0 & X86_CR0_PE) && !(e->r.rflags & X86_FL_VM);

    if (seg == x86_seg_none) {
        *lin = off;
        return X86EMUL_OKAY;
    }
    s = &e->r.seg[seg];
    if (e->mode == 8) {
        uint64_t a = off;

        if (seg == x86_seg_fs || seg == x86_seg_gs || seg == x86_seg_tr)
            a += s->base;
        if (!canonical(a) || !canonical(a + bytes - 1))
            return seg_fault(e, seg);
        *lin = a;
        return X86EMUL_OKAY;
    }
    if (prot && seg != x86_seg_tr) {
        unsigned int type = X86_SEG_TYPE(s->attr);

        if (!(s->attr & X86_SEG_P) || !(s->attr & X86_SEG_S))
            return seg_fault(e, seg);
        if (type & 8) { /* code: never writable, readable if bit 1 */
            if (write || !(type & 2))
                return seg_fault(e, seg);
        } else if (write && !(type & 2))
            return seg_fault(e, seg);
        if (!(type & 8) && (type & 4)) { /* expand-down data */
            uint64_t top = (s->attr & X86_SEG_DB) ? 0xffffffffull : 0xffffull;

            if (off <= s->limit || off + bytes - 1 > top)
                return seg_fault(e, seg);
            *lin = (s->base + off) & 0xffffffffull;
            return X86EMUL_OKAY;
        }
    }
    if (off > s->limit || bytes - 1 > s->limit - off)
        return seg_fault(e, seg);
    *lin = (s->base + off) & 0xffffffffull;
    return X86EMUL_OKAY;
}

static int mem_read(struct emu *e, unsigned int seg, uint64_t off, void *buf, unsigned int bytes)
{
    uint64_t lin;
    int rc = linearise(e, seg, off, bytes, false, &lin);

    if (rc)
        return rc;
    if (!e->ctxt->ops->read)
        return X86EMUL_UNHANDLEABLE;
    return e->ctxt->ops->read(lin, buf, bytes, e->ctxt);
}

static int mem_write(struct emu *e, unsigned int seg, uint64_t off, const void *buf,
                     unsigned int bytes)
{
    uint64_t lin;
    int rc = linearise(e, seg, off, bytes, true, &lin);

    if (rc)
        return rc;
    if (!e->ctxt->ops->write)
        return X86EMUL_UNHANDLEABLE;
    return e->ctxt->ops->write(lin, buf, bytes, e->ctxt);
}

/* Values go to and from memory little-endian. */
static void put_le(uint8_t *b, uint64_t v, unsigned int bytes)
{
    unsigned int k;

    for (k = 0; k < bytes; k++)
        b[k] = (uint8_t)(v >> (8 * k));
}

static uint64_t get_le(const uint8_t *b, unsigned int bytes)
{
    uint64_t v = 0;
    unsigned int k;

    for (k = 0; k < bytes; k++)
        v |= (uint64_t)b[k] << (8 * k);
    return v;
}

static int read_val(struct emu *e, unsigned int seg, uint64_t off, unsigned int bytes, uint64_t *v)
{
    uint8_t b[8];
    int rc = mem_read(e, seg, off & ad_mask(e), b, bytes);

    if (!rc)
        *v = get_le(b, bytes);
    return rc;
}

static int write_val(struct emu *e, unsigned int seg, uint64_t off, unsigned int bytes, uint64_t v)
{
    uint8_t b[8];

    put_le(b, v, bytes);
    return mem_write(e, seg, off & ad_mask(e), b, bytes);
}

/* Effective address of the ModRM memory operand. */
static uint64_t modrm_ea(struct emu *e)
{
    const struct x86_insn *i = e->i;
    uint64_t ea = (uint64_t)i->disp;

    if (i->ad_bytes == 2) {
        static const uint8_t b16[8] = {X86_RBX, X86_RBX, X86_RBP, X86_RBP,
                                       X86_RSI, X86_RDI, X86_RBP, X86_RBX};
        static const uint8_t x16[8] = {X86_RSI, X86_RDI, X86_RSI, X86_RDI, 16, 16, 16, 16};
        unsigned int rm = i->rm & 7;

        if (!(i->mod == 0 && rm == 6))
            ea += e->r.gpr[b16[rm]];
        if (x16[rm] < 16)
            ea += e->r.gpr[x16[rm]];
        return ea & 0xffff;
    }
    if (i->rip_rel) {
        ea += e->r.rip + i->len;
    } else if (i->has_sib) {
        unsigned int base = (i->sib & 7) | ((i->rex & 1) << 3);
        unsigned int index = ((i->sib >> 3) & 7) | ((i->rex & 2) << 2);

        if (!(i->mod == 0 && (i->sib & 7) == 5))
            ea += e->r.gpr[base];
        if (index != 4)
            ea += e->r.gpr[index] << (i->sib >> 6);
    } else if (!(i->mod == 0 && (i->rm & 7) == 5)) { /* else disp32 only */
        ea += e->r.gpr[i->rm];
    }
    return ea & ad_mask(e);
}

/* The ModRM r/m operand, of the given size. */
static void op_rm(struct emu *e, struct operand *op, unsigned int bytes)
{
    if (e->i->mod == 3) {
        op_reg(e, op, e->i->rm, bytes);
        return;
    }
    op->type = OP_MEM;
    op->bytes = bytes;
    op->seg = e->i->seg;
    op->off = modrm_ea(e);
}

static int op_read(struct emu *e, struct operand *op)
{
    switch (op->type) {
    case OP_REG:
        op->val = reg_get(e, op->reg, op->bytes, op->high8);
        return X86EMUL_OKAY;
    case OP_MEM:
        return read_val(e, op->seg, op->off, op->bytes, &op->val);
    }
    return X86EMUL_OKAY;
}

/* Atomic replacement of memory read earlier (LOCK, XCHG) when the caller
 * offers it; a plain write otherwise. */
static int mem_cmpxchg(struct emu *e, unsigned int seg, uint64_t off, const void *old,
                       const void *new, unsigned int bytes)
{
    uint64_t lin;
    int rc;

    if (!e->atomic || !e->ctxt->ops->cmpxchg)
        return mem_write(e, seg, off, new, bytes);
    rc = linearise(e, seg, off & ad_mask(e), bytes, true, &lin);
    if (rc)
        return rc;
    return e->ctxt->ops->cmpxchg(lin, old, new, bytes, e->ctxt);
}

static int op_write(struct emu *e, struct operand *op, uint64_t v)
{
    uint8_t o[8], n[8];

    switch (op->type) {
    case OP_REG:
        reg_set(e, op->reg, op->bytes, op->high8, v);
        return X86EMUL_OKAY;
    case OP_MEM:
        if (!e->atomic)
            return write_val(e, op->seg, op->off, op->bytes, v);
        put_le(o, op->val, op->bytes); /* the value read by the instruction */
        put_le(n, v, op->bytes);
        return mem_cmpxchg(e, op->seg, op->off, o, n, op->bytes);
    }
    return X86EMUL_UNHANDLEABLE;
}

/* ---- stack and branches ---- */

static unsigned int stack_bytes(struct emu *e)
{
    if (e->mode == 8)
        return 8;
    if (!(e->r.cr0 & X86_CR0_PE) || (e->r.rflags & X86_FL_VM))
        return 2;
    return (e->r.seg[x86_seg_ss].attr & X86_SEG_DB) ? 4 : 2;
}

static uint64_t sp_add(struct emu *e, int64_t delta)
{
    uint64_t m = mask_of(stack_bytes(e)), sp = e->r.gpr[X86_RSP];

    return (sp & ~m) | ((sp + (uint64_t)delta) & m);
}

static int push(struct emu *e, uint64_t v, unsigned int bytes)
{
    uint64_t sp = sp_add(e, -(int64_t)bytes);
    uint8_t b[8];
    int rc;

    put_le(b, v, bytes);
    rc = mem_write(e, x86_seg_ss, sp & mask_of(stack_bytes(e)), b, bytes);
    if (!rc)
        e->r.gpr[X86_RSP] = sp;
    return rc;
}

static int pop(struct emu *e, uint64_t *v, unsigned int bytes)
{
    uint8_t b[8];
    int rc = mem_read(e, x86_seg_ss, e->r.gpr[X86_RSP] & mask_of(stack_bytes(e)), b, bytes);

    if (rc)
        return rc;
    *v = get_le(b, bytes);
    e->r.gpr[X86_RSP] = sp_add(e, bytes);
    return X86EMUL_OKAY;
}

static int jump(struct emu *e, uint64_t target, unsigned int op_bytes)
{
    if (e->mode == 8 && op_bytes == 8) {
        if (!canonical(target))
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    } else {
        target &= mask_of(op_bytes);
        if (target > e->r.seg[x86_seg_cs].limit)
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    }
    e->r.rip = target;
    e->branched = true;
    return X86EMUL_OKAY;
}

static bool cond(struct emu *e, unsigned int cc)
{
    uint64_t f = e->r.rflags;
    bool sf = f & X86_FL_SF, of = f & X86_FL_OF, r;

    switch ((cc >> 1) & 7) {
    case 0:
        r = of;
        break;
    case 1:
        r = f & X86_FL_CF;
        break;
    case 2:
        r = f & X86_FL_ZF;
        break;
    case 3:
        r = (f & X86_FL_CF) || (f & X86_FL_ZF);
        break;
    case 4:
        r = sf;
        break;
    case 5:
        r = f & X86_FL_PF;
        break;
    case 6:
        r = sf != of;
        break;
    default:
        r = (f & X86_FL_ZF) || sf != of;
        break;
    }
    return (cc & 1) ? !r : r;
}

/* ---- ALU ---- */

/* op: 0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP. */
static uint64_t alu(struct emu *e, unsigned int op, uint64_t a, uint64_t b, unsigned int bytes)
{
    uint64_t m = mask_of(bytes), sb = sign_of(bytes), res, f = 0;
    uint64_t c = (op == 2 || op == 3) ? (e->r.rflags & X86_FL_CF) : 0;
    bool carry;

    a &= m;
    b &= m;
    switch (op) {
    case 0:
    case 2:
        res = (a + b + c) & m;
        carry = bytes == 8 ? (res < a || (c && res == a)) : ((a + b + c) >> (8 * bytes)) != 0;
        if (carry)
            f |= X86_FL_CF;
        if ((a ^ res) & (b ^ res) & sb)
            f |= X86_FL_OF;
        f |= (a ^ b ^ res) & X86_FL_AF;
        break;
    case 3:
    case 5:
    case 7:
        res = (a - b - c) & m;
        carry = bytes == 8 ? (a < b || (c && a == b)) : a < b + c;
        if (carry)
            f |= X86_FL_CF;
        if ((a ^ b) & (a ^ res) & sb)
            f |= X86_FL_OF;
        f |= (a ^ b ^ res) & X86_FL_AF;
        break;
    case 1:
        res = a | b;
        break;
    case 4:
        res = a & b;
        break;
    default:
        res = a ^ b;
        break;
    }
    set_flags(e, X86_FL_ARITH, f | flags_szp(res, bytes));
    return res;
}

/* op: 0 ROL, 1 ROR, 2 RCL, 3 RCR, 4 SHL, 5 SHR, 6 SAL, 7 SAR. */
static uint64_t shift(struct emu *e, unsigned int op, uint64_t v, unsigned int count,
                      unsigned int bytes)
{
    unsigned int bits = 8 * bytes, c, k;
    uint64_t m = mask_of(bytes), res = v & m, f = e->r.rflags, cf = f & X86_FL_CF;

    count &= bytes == 8 ? 63 : 31;
    if (!count)
        return res;
    v &= m;
    switch (op) {
    case 0:
        c = count % bits;
        res = c ? ((v << c) | (v >> (bits - c))) & m : v;
        cf = res & 1;
        set_flags(e, X86_FL_CF | X86_FL_OF,
                  (cf ? X86_FL_CF : 0) | ((((res >> (bits - 1)) ^ cf) & 1) ? X86_FL_OF : 0));
        return res;
    case 1:
        c = count % bits;
        res = c ? ((v >> c) | (v << (bits - c))) & m : v;
        cf = (res >> (bits - 1)) & 1;
        set_flags(e, X86_FL_CF | X86_FL_OF,
                  (cf ? X86_FL_CF : 0) | ((((res >> (bits - 2)) ^ cf) & 1) ? X86_FL_OF : 0));
        return res;
    case 2:
        c = bytes <= 2 ? count % (bits + 1) : count;
        res = v;
        for (k = 0; k < c; k++) {
            uint64_t out = (res >> (bits - 1)) & 1;

            res = ((res << 1) | cf) & m;
            cf = out;
        }
        set_flags(e, X86_FL_CF | X86_FL_OF,
                  (cf ? X86_FL_CF : 0) | ((((res >> (bits - 1)) ^ cf) & 1) ? X86_FL_OF : 0));
        return res;
    case 3: {
        uint64_t of = ((v >> (bits - 1)) ^ cf) & 1;

        c = bytes <= 2 ? count % (bits + 1) : count;
        res = v;
        for (k = 0; k < c; k++) {
            uint64_t out = res & 1;

            res = (res >> 1) | (cf << (bits - 1));
            cf = out;
        }
        if (count != 1) /* undefined: this matches the rotated result */
            of = ((res >> (bits - 1)) ^ (res >> (bits - 2))) & 1;
        set_flags(e, X86_FL_CF | X86_FL_OF, (cf ? X86_FL_CF : 0) | (of ? X86_FL_OF : 0));
        return res;
    }
    case 4:
    case 6:
        res = count < bits ? (v << count) & m : 0;
        cf = count <= bits ? (v >> (bits - count)) & 1 : 0;
        f = (cf ? X86_FL_CF : 0) | ((((res >> (bits - 1)) ^ cf) & 1) ? X86_FL_OF : 0);
        break;
    case 5:
        res = count < bits ? v >> count : 0;
        cf = count <= bits ? (v >> (count - 1)) & 1 : 0;
        f = (cf ? X86_FL_CF : 0) | (((v >> (bits - 1)) & 1) ? X86_FL_OF : 0);
        break;
    default: {
        int64_t sv = (int64_t)sext(v, bytes);

        res = (uint64_t)(sv >> (count < bits ? count : bits - 1)) & m;
        cf = (uint64_t)(sv >> (count - 1 < bits ? count - 1 : bits - 1)) & 1;
        f = cf ? X86_FL_CF : 0;
        break;
    }
    }
    set_flags(e, X86_FL_ARITH, f | flags_szp(res, bytes));
    return res;
}

/* ---- privilege and I/O permission ---- */

static bool protected_mode(struct emu *e)
{
    return e->r.cr0 & X86_CR0_PE;
}

static unsigned int iopl(struct emu *e)
{
    return (e->r.rflags & X86_FL_IOPL) >> 12;
}

static int need_cpl0(struct emu *e)
{
    if (protected_mode(e) && (e->r.cpl || (e->r.rflags & X86_FL_VM)))
        return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    return X86EMUL_OKAY;
}

/* I/O port permission: IOPL, then the TSS I/O bitmap. */
static int io_permitted(struct emu *e, unsigned int port, unsigned int bytes)
{
    const struct x86_segment *tr = &e->r.seg[x86_seg_tr];
    uint64_t base, bits;
    unsigned int type = X86_SEG_TYPE(tr->attr);
    int rc;

    if (!protected_mode(e) || (!(e->r.rflags & X86_FL_VM) && e->r.cpl <= iopl(e)))
        return X86EMUL_OKAY;
    if ((type != 9 && type != 11) || tr->limit < 0x67)
        return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    rc = read_val(e, x86_seg_tr, 0x66, 2, &base);
    if (rc == X86EMUL_EXCEPTION && e->ctxt->event.vector != X86_EXC_PF)
        return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    if (rc)
        return rc;
    if (base + port / 8 + 1 > tr->limit)
        return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    rc = read_val(e, x86_seg_tr, base + port / 8, 2, &bits);
    if (rc)
        return rc;
    if ((bits >> (port & 7)) & ((1u << bytes) - 1))
        return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
    return X86EMUL_OKAY;
}

static int io_in(struct emu *e, unsigned int port, unsigned int bytes, uint64_t *v)
{
    uint32_t val = 0;
    int rc = io_permitted(e, port, bytes);

    if (rc)
        return rc;
    if (!e->ctxt->ops->read_io)
        return X86EMUL_UNHANDLEABLE;
    rc = e->ctxt->ops->read_io((uint16_t)port, bytes, &val, e->ctxt);
    *v = val & mask_of(bytes);
    return rc;
}

static int io_out(struct emu *e, unsigned int port, unsigned int bytes, uint64_t v)
{
    int rc = io_permitted(e, port, bytes);

    if (rc)
        return rc;
    if (!e->ctxt->ops->write_io)
        return X86EMUL_UNHANDLEABLE;
    return e->ctxt->ops->write_io((uint16_t)port, bytes, (uint32_t)(v & mask_of(bytes)), e->ctxt);
}

/* ---- LOCK prefix validity ---- */

static bool lock_ok(const struct x86_insn *i)
{
    unsigned int r = i->reg & 7;

    if (i->mod == 3 || !i->has_modrm)
        return false;
    if (i->map == 0) {
        if (i->opcode < 0x40)
            return (i->opcode & 7) < 2 && (i->opcode & 0x38) != 0x38;
        switch (i->opcode) {
        case 0x80:
        case 0x81:
        case 0x83:
            return r != 7;
        case 0x86:
        case 0x87:
            return true;
        case 0xf6:
        case 0xf7:
            return r == 2 || r == 3;
        case 0xfe:
        case 0xff:
            return r < 2;
        }
        return false;
    }
    if (i->map == 1) {
        switch (i->opcode) {
        case 0xab:
        case 0xb3:
        case 0xbb:
        case 0xb0:
        case 0xb1:
        case 0xc0:
        case 0xc1:
            return true;
        case 0xba:
            return r >= 5;
        case 0xc7:
            return r == 1;
        }
    }
    return false;
}

/* ---- string instructions ---- */

static int string_op(struct emu *e)
{
    struct x86_insn *i = e->i;
    struct x86_emulate_ctxt *ctxt = e->ctxt;
    unsigned int bytes = i->op_bytes, op = i->opcode, n = 0;
    unsigned int max = ctxt->max_reps ? ctxt->max_reps : 1024;
    uint64_t am = ad_mask(e), step, a, b;
    bool rep = i->rep != 0;
    uint8_t buf[8];
    int rc = X86EMUL_OKAY;

    if (bytes == 8 && (op == 0x6c || op == 0x6d || op == 0x6e || op == 0x6f))
        bytes = 4;
    step = (e->r.rflags & X86_FL_DF) ? (uint64_t) - (int64_t)bytes : bytes;

    for (;;) {
        uint64_t si = e->r.gpr[X86_RSI] & am, di = e->r.gpr[X86_RDI] & am;
        bool use_si = false, use_di = false;

        if (rep && !(e->r.gpr[X86_RCX] & am))
            break;
        if (n == max) {
            *ctxt->regs = e->r; /* progress so far; RIP stays */
            e->partial = true;
            return X86EMUL_OKAY;
        }
        switch (op & ~1) {
        case 0xa4: /* MOVS */
            rc = mem_read(e, i->seg, si, buf, bytes);
            if (!rc)
                rc = mem_write(e, x86_seg_es, di, buf, bytes);
            use_si = use_di = true;
            break;
        case 0xaa: /* STOS */
            put_le(buf, e->r.gpr[X86_RAX], bytes);
            rc = mem_write(e, x86_seg_es, di, buf, bytes);
            use_di = true;
            break;
        case 0xac: /* LODS */
            rc = read_val(e, i->seg, si, bytes, &a);
            if (!rc)
                reg_set(e, X86_RAX, bytes, false, a);
            use_si = true;
            break;
        case 0xa6: /* CMPS */
            rc = read_val(e, i->seg, si, bytes, &a);
            if (!rc)
                rc = read_val(e, x86_seg_es, di, bytes, &b);
            if (!rc)
                alu(e, 7, a, b, bytes);
            use_si = use_di = true;
            break;
        case 0xae: /* SCAS */
            rc = read_val(e, x86_seg_es, di, bytes, &b);
            if (!rc)
                alu(e, 7, e->r.gpr[X86_RAX], b, bytes);
            use_di = true;
            break;
        case 0x6c: { /* INS: check the destination before consuming input */
            uint64_t lin;

            rc = linearise(e, x86_seg_es, di, bytes, true, &lin);
            if (!rc)
                rc = io_in(e, e->r.gpr[X86_RDX] & 0xffff, bytes, &a);
            if (!rc)
                rc = write_val(e, x86_seg_es, di, bytes, a);
            use_di = true;
            break;
        }
        default: /* 0x6e OUTS */
            rc = read_val(e, i->seg, si, bytes, &a);
            if (!rc)
                rc = io_out(e, e->r.gpr[X86_RDX] & 0xffff, bytes, a);
            use_si = true;
            break;
        }
        if (rc) {
            if (n)
                *ctxt->regs = e->r; /* keep the finished iterations */
            return rc;
        }
        n++;
        /* Index and count registers are written at the address size
         * (32-bit writes zero-extend, as for any register). */
        if (use_si)
            reg_set(e, X86_RSI, i->ad_bytes, false, si + step);
        if (use_di)
            reg_set(e, X86_RDI, i->ad_bytes, false, di + step);
        if (!rep)
            break;
        reg_set(e, X86_RCX, i->ad_bytes, false, e->r.gpr[X86_RCX] - 1);
        if ((op & ~1) == 0xa6 || (op & ~1) == 0xae) {
            bool zf = e->r.rflags & X86_FL_ZF;

            if ((i->rep == 0xf3 && !zf) || (i->rep == 0xf2 && zf))
                break;
        }
    }
    return X86EMUL_OKAY;
}

/* ---- multiply and divide ---- */

static int muldiv(struct emu *e, unsigned int r, struct operand *src)
{
    unsigned int bytes = src->bytes, bits = 8 * bytes;
    uint64_t m = mask_of(bytes), a, hi, lo, q, rem, d = src->val & m;
    bool ovf;

    a = bytes == 1 ? e->r.gpr[X86_RAX] & 0xff : e->r.gpr[X86_RAX] & m;
    if (r == 4 || r == 5) { /* MUL, IMUL */
        if (r == 4) {
            lo = mul64(a, d, &hi);
        } else {
            int64_t sa = (int64_t)sext(a, bytes), sd = (int64_t)sext(d, bytes);

            lo = mul64((uint64_t)sa, (uint64_t)sd, &hi);
            if (sa < 0)
                hi -= (uint64_t)sd;
            if (sd < 0)
                hi -= (uint64_t)sa;
        }
        if (bytes < 8) { /* product fits in 64 bits: split it */
            hi = (lo >> bits) & m;
            lo &= m;
        }
        if (r == 4)
            ovf = hi != 0;
        else
            ovf = hi != (((lo >> (bits - 1)) & 1) ? m : 0);
        if (bytes == 1) {
            reg_set(e, X86_RAX, 2, false, lo | (hi << 8));
        } else {
            reg_set(e, X86_RAX, bytes, false, lo);
            reg_set(e, X86_RDX, bytes, false, hi);
        }
        set_flags(e, X86_FL_ARITH, (ovf ? X86_FL_CF | X86_FL_OF : 0) | flags_szp(lo, bytes));
        return X86EMUL_OKAY;
    }
    /* DIV, IDIV: dividend hi:lo of twice the operand size. */
    if (!d)
        return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
    if (bytes == 1) {
        lo = e->r.gpr[X86_RAX] & 0xffff;
        hi = 0;
    } else if (bytes == 8) {
        lo = e->r.gpr[X86_RAX];
        hi = e->r.gpr[X86_RDX];
    } else {
        lo = (e->r.gpr[X86_RAX] & m) | ((e->r.gpr[X86_RDX] & m) << bits);
        hi = 0;
    }
    if (r == 6) {
        if (bytes == 8 ? hi >= d : (lo >> bits) >= d)
            return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
        q = div128(hi, lo, d, &rem);
    } else {
        bool neg_n, neg_d = sext(d, bytes) >> 63;
        uint64_t ad = neg_d ? (uint64_t) - (int64_t)sext(d, bytes) : d, lim;

        if (bytes < 8) { /* sign-extend the 2n-bit dividend to 128 bits */
            lo = sext(lo, 2 * bytes);
            hi = (uint64_t)((int64_t)lo >> 63);
        }
        neg_n = hi >> 63;
        if (neg_n) { /* 128-bit negate */
            lo = ~lo + 1;
            hi = ~hi + (lo == 0);
        }
        if (hi >= ad)
            return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
        q = div128(hi, lo, ad, &rem);
        lim = sign_of(bytes) - ((neg_n != neg_d) ? 0 : 1);
        if (q > lim)
            return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
        if (neg_n != neg_d)
            q = -q;
        if (neg_n)
            rem = -rem;
    }
    if (bytes == 1) {
        if (r == 6 && q > 0xff)
            return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
        reg_set(e, X86_RAX, 2, false, (q & 0xff) | ((rem & 0xff) << 8));
    } else {
        if (r == 6 && bytes < 8 && q > m)
            return x86_emul_exception(e->ctxt, X86_EXC_DE, false, 0);
        reg_set(e, X86_RAX, bytes, false, q);
        reg_set(e, X86_RDX, bytes, false, rem);
    }
    return X86EMUL_OKAY;
}

/* Two- and three-operand IMUL: truncated signed product, CF=OF on overflow. */
static uint64_t imul_trunc(struct emu *e, uint64_t a, uint64_t b, unsigned int bytes)
{
    int64_t sa = (int64_t)sext(a, bytes), sb = (int64_t)sext(b, bytes);
    uint64_t hi, lo = mul64((uint64_t)sa, (uint64_t)sb, &hi);
    bool ovf;

    if (sa < 0)
        hi -= (uint64_t)sb;
    if (sb < 0)
        hi -= (uint64_t)sa;
    if (bytes == 8)
        ovf = hi != (uint64_t)((int64_t)lo >> 63);
    else
        ovf = sext(lo, bytes) != lo;
    set_flags(e, X86_FL_ARITH, (ovf ? X86_FL_CF | X86_FL_OF : 0) | flags_szp(lo, bytes));
    return lo & mask_of(bytes);
}

/* ---- bit tests ---- */

static int bit_op(struct emu *e, unsigned int op, struct operand *dst, uint64_t bitoff, bool imm)
{
    unsigned int bits = 8 * dst->bytes;
    uint64_t v, bit;
    int rc;

    if (dst->type == OP_MEM && !imm) {
        /* Register bit offsets are signed and reach beyond the operand. */
        int64_t s = (int64_t)sext(bitoff, dst->bytes);

        dst->off = (dst->off + (uint64_t)((s >> (bits == 16   ? 4
                                                 : bits == 32 ? 5
                                                              : 6)) *
                                          (int64_t)dst->bytes)) &
                   ad_mask(e);
    }
    bitoff &= bits - 1;
    rc = op_read(e, dst);
    if (rc)
        return rc;
    v = dst->val;
    bit = (v >> bitoff) & 1;
    set_flags(e, X86_FL_CF, bit ? X86_FL_CF : 0);
    switch (op) {
    case 0:
        return X86EMUL_OKAY; /* BT */
    case 1:
        v |= 1ull << bitoff;
        break;
    case 2:
        v &= ~(1ull << bitoff);
        break;
    default:
        v ^= 1ull << bitoff;
        break;
    }
    return op_write(e, dst, v);
}

/* ---- the instructions ---- */

static int ud(struct emu *e)
{
    return x86_emul_exception(e->ctxt, X86_EXC_UD, false, 0);
}

static int exec_map0(struct emu *e)
{
    struct x86_insn *i = e->i;
    struct operand d = {0}, s = {0};
    unsigned int op = i->opcode, bytes = i->op_bytes, r = i->reg & 7;
    uint64_t v, t;
    int rc;

    if (op < 0x40 && (op & 7) < 6) { /* ALU: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib rAX,Iz */
        unsigned int alu_op = op >> 3;

        switch (op & 7) {
        case 0:
        case 1:
            op_rm(e, &d, bytes);
            op_reg(e, &s, i->reg, bytes);
            break;
        case 2:
        case 3:
            op_reg(e, &d, i->reg, bytes);
            op_rm(e, &s, bytes);
            break;
        default:
            op_reg(e, &d, X86_RAX, bytes);
            s.type = OP_IMM;
            s.val = i->imm;
            break;
        }
        if ((rc = op_read(e, &s)) || (rc = op_read(e, &d)))
            return rc;
        v = alu(e, alu_op, d.val, s.val, bytes);
        return alu_op == 7 ? X86EMUL_OKAY : op_write(e, &d, v);
    }
    switch (op) {
    case 0x40 ... 0x4f: /* INC/DEC r (not 64-bit mode) */
        op_reg(e, &d, op & 7, bytes);
        op_read(e, &d);
        t = e->r.rflags & X86_FL_CF;
        v = alu(e, (op & 8) ? 5 : 0, d.val, 1, bytes);
        set_flags(e, X86_FL_CF, t);
        return op_write(e, &d, v);
    case 0x50 ... 0x57: /* PUSH r */
        return push(e, e->r.gpr[(op & 7) | ((i->rex & 1) << 3)], bytes);
    case 0x58 ... 0x5f: /* POP r */
        rc = pop(e, &v, bytes);
        if (!rc)
            reg_set(e, (op & 7) | ((i->rex & 1) << 3), bytes, false, v);
        return rc;
    case 0x63: /* MOVSXD (64-bit mode); ARPL otherwise */
        if (e->mode != 8)
            return X86EMUL_UNHANDLEABLE;
        op_rm(e, &s, 4);
        if ((rc = op_read(e, &s)))
            return rc;
        reg_set(e, i->reg, bytes, false, sext(s.val, 4));
        return X86EMUL_OKAY;
    case 0x68: /* PUSH Iz */
    case 0x6a: /* PUSH Ib */
        return push(e, i->imm, bytes);
    case 0x69:
    case 0x6b: /* IMUL Gv,Ev,imm */
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        reg_set(e, i->reg, bytes, false, imul_trunc(e, s.val, i->imm, bytes));
        return X86EMUL_OKAY;
    case 0x6c ... 0x6f:
    case 0xa4 ... 0xa7:
    case 0xaa ... 0xaf:
        return string_op(e);
    case 0x70 ... 0x7f: /* Jcc rel8 */
        if (cond(e, op & 0xf))
            return jump(e, e->r.rip + i->len + i->imm, bytes);
        return X86EMUL_OKAY;
    case 0x80 ... 0x83: /* group 1 */
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        v = alu(e, r, d.val, i->imm, bytes);
        return r == 7 ? X86EMUL_OKAY : op_write(e, &d, v);
    case 0x84:
    case 0x85: /* TEST */
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        op_reg(e, &s, i->reg, bytes);
        op_read(e, &s);
        alu(e, 4, d.val, s.val, bytes);
        return X86EMUL_OKAY;
    case 0x86:
    case 0x87: /* XCHG Ev,Gv */
        op_rm(e, &d, bytes);
        op_reg(e, &s, i->reg, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        op_read(e, &s);
        if ((rc = op_write(e, &d, s.val)))
            return rc;
        return op_write(e, &s, d.val);
    case 0x88:
    case 0x89: /* MOV Ev,Gv */
        op_rm(e, &d, bytes);
        op_reg(e, &s, i->reg, bytes);
        op_read(e, &s);
        return op_write(e, &d, s.val);
    case 0x8a:
    case 0x8b: /* MOV Gv,Ev */
        op_reg(e, &d, i->reg, bytes);
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        return op_write(e, &d, s.val);
    case 0x8c: /* MOV Ev,Sreg */
        if (r > 5)
            return ud(e);
        op_rm(e, &d, i->mod == 3 ? bytes : 2);
        return op_write(e, &d, e->r.seg[r].sel);
    case 0x8d: /* LEA */
        if (i->mod == 3)
            return ud(e);
        reg_set(e, i->reg, bytes, false, modrm_ea(e));
        return X86EMUL_OKAY;
    case 0x8e: /* MOV Sreg,Ew: needs descriptor loads */
        if (r == 1 || r > 5)
            return ud(e);
        return X86EMUL_UNHANDLEABLE;
    case 0x8f: /* POP Ev (address computed after the increment) */
        rc = pop(e, &v, bytes);
        if (rc)
            return rc;
        op_rm(e, &d, bytes);
        return op_write(e, &d, v);
    case 0x90: /* NOP, PAUSE, XCHG r8,rAX */
        if (!(i->rex & 1))
            return X86EMUL_OKAY;
        /* fallthrough */
    case 0x91 ... 0x97: {
        unsigned int reg = (op & 7) | ((i->rex & 1) << 3);

        v = reg_get(e, reg, bytes, false);
        reg_set(e, reg, bytes, false, e->r.gpr[X86_RAX]);
        reg_set(e, X86_RAX, bytes, false, v);
        return X86EMUL_OKAY;
    }
    case 0x98: /* CBW/CWDE/CDQE */
        reg_set(e, X86_RAX, bytes, false, sext(e->r.gpr[X86_RAX], bytes / 2));
        return X86EMUL_OKAY;
    case 0x99: /* CWD/CDQ/CQO */
        v = (e->r.gpr[X86_RAX] & sign_of(bytes)) ? ~0ull : 0;
        reg_set(e, X86_RDX, bytes, false, v);
        return X86EMUL_OKAY;
    case 0x9c: /* PUSHF */
        if ((e->r.rflags & X86_FL_VM) && iopl(e) < 3)
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
        return push(e, e->r.rflags & ~(uint64_t)(X86_FL_VM | X86_FL_RF), bytes);
    case 0x9d: { /* POPF */
        uint64_t ok = X86_FL_ARITH | X86_FL_TF | X86_FL_DF | X86_FL_NT | X86_FL_AC | X86_FL_ID;

        if (e->r.rflags & X86_FL_VM)
            return X86EMUL_UNHANDLEABLE;
        if (!protected_mode(e) || e->r.cpl == 0)
            ok |= X86_FL_IOPL;
        if (!protected_mode(e) || e->r.cpl <= iopl(e))
            ok |= X86_FL_IF;
        if (bytes == 2)
            ok &= 0xffff;
        rc = pop(e, &v, bytes);
        if (rc)
            return rc;
        if (!(e->r.rflags & X86_FL_IF) && (v & ok & X86_FL_IF))
            e->ctxt->retire.sti = false; /* POPF gives no shadow */
        e->r.rflags = (e->r.rflags & ~ok) | (v & ok);
        return X86EMUL_OKAY;
    }
    case 0x9e: /* SAHF */
        set_flags(e, X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF,
                  (e->r.gpr[X86_RAX] >> 8) & 0xff);
        return X86EMUL_OKAY;
    case 0x9f: /* LAHF */
        reg_set(e, X86_RAX, 1, true, (e->r.rflags & 0xd5) | 2);
        return X86EMUL_OKAY;
    case 0xa0 ... 0xa3: /* MOV with moffs */
        d.type = OP_MEM;
        d.bytes = bytes;
        d.seg = i->seg;
        d.off = i->imm & ad_mask(e);
        if (op & 2) {
            return op_write(e, &d, e->r.gpr[X86_RAX]);
        }
        if ((rc = op_read(e, &d)))
            return rc;
        reg_set(e, X86_RAX, bytes, false, d.val);
        return X86EMUL_OKAY;
    case 0xa8:
    case 0xa9: /* TEST AL/rAX,imm */
        alu(e, 4, e->r.gpr[X86_RAX], i->imm, bytes);
        return X86EMUL_OKAY;
    case 0xb0 ... 0xb7: /* MOV r8,Ib */
        op_reg(e, &d, (op & 7) | ((i->rex & 1) << 3), 1);
        return op_write(e, &d, i->imm);
    case 0xb8 ... 0xbf: /* MOV r,Iv */
        reg_set(e, (op & 7) | ((i->rex & 1) << 3), bytes, false, i->imm);
        return X86EMUL_OKAY;
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: { /* group 2 */
        unsigned int count = op >= 0xd2 ? e->r.gpr[X86_RCX] & 0xff : op >= 0xd0 ? 1 : i->imm;

        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        v = shift(e, r, d.val, count, bytes);
        return op_write(e, &d, v);
    }
    case 0xc2:
    case 0xc3: /* RET near */
        if (e->mode == 8 && i->opsize_prefix)
            return X86EMUL_UNHANDLEABLE;
        rc = pop(e, &v, bytes);
        if (rc)
            return rc;
        if (op == 0xc2)
            e->r.gpr[X86_RSP] = sp_add(e, (int64_t)(i->imm & 0xffff));
        return jump(e, v, bytes);
    case 0xc6:
    case 0xc7: /* MOV Ev,imm (XABORT/XBEGIN are not emulated) */
        if (r != 0)
            return i->modrm == 0xf8 ? X86EMUL_UNHANDLEABLE : ud(e);
        op_rm(e, &d, bytes);
        return op_write(e, &d, i->imm);
    case 0xc8: /* ENTER, level 0 only */
        if (i->imm2 & 0x1f)
            return X86EMUL_UNHANDLEABLE;
        v = e->r.gpr[X86_RSP];
        rc = push(e, e->r.gpr[X86_RBP], bytes);
        if (rc)
            return rc;
        t = e->r.gpr[X86_RSP];
        e->r.gpr[X86_RSP] = sp_add(e, -(int64_t)(i->imm & 0xffff));
        reg_set(e, X86_RBP, bytes, false, t);
        (void)v;
        return X86EMUL_OKAY;
    case 0xc9: { /* LEAVE */
        uint64_t m = mask_of(stack_bytes(e)), save = e->r.gpr[X86_RSP];

        e->r.gpr[X86_RSP] = (save & ~m) | (e->r.gpr[X86_RBP] & m);
        rc = pop(e, &v, bytes);
        if (rc)
            return rc;
        reg_set(e, X86_RBP, bytes, false, v);
        return X86EMUL_OKAY;
    }
    case 0xd7: /* XLAT */
        rc = read_val(e, i->seg, e->r.gpr[X86_RBX] + (e->r.gpr[X86_RAX] & 0xff), 1, &v);
        if (!rc)
            reg_set(e, X86_RAX, 1, false, v);
        return rc;
    case 0xe0 ... 0xe3: { /* LOOPNE, LOOPE, LOOP, JrCXZ */
        uint64_t am = ad_mask(e), cx = e->r.gpr[X86_RCX];
        bool take;

        if (op == 0xe3) {
            take = !(cx & am);
        } else {
            reg_set(e, X86_RCX, i->ad_bytes, false, cx - 1);
            cx = e->r.gpr[X86_RCX];
            take = (cx & am) != 0;
            if (op == 0xe0)
                take = take && !(e->r.rflags & X86_FL_ZF);
            else if (op == 0xe1)
                take = take && (e->r.rflags & X86_FL_ZF);
        }
        if (take)
            return jump(e, e->r.rip + i->len + i->imm, bytes);
        return X86EMUL_OKAY;
    }
    case 0xe4:
    case 0xe5:
    case 0xec:
    case 0xed: { /* IN */
        unsigned int n = bytes == 1 ? 1 : bytes == 2 ? 2 : 4;

        rc = io_in(e, op >= 0xec ? e->r.gpr[X86_RDX] & 0xffff : i->imm & 0xff, n, &v);
        if (!rc)
            reg_set(e, X86_RAX, n, false, v);
        return rc;
    }
    case 0xe6:
    case 0xe7:
    case 0xee:
    case 0xef: { /* OUT */
        unsigned int n = bytes == 1 ? 1 : bytes == 2 ? 2 : 4;

        return io_out(e, op >= 0xee ? e->r.gpr[X86_RDX] & 0xffff : i->imm & 0xff, n,
                      e->r.gpr[X86_RAX]);
    }
    case 0xe8: /* CALL rel */
        v = e->r.rip + i->len;
        t = v + i->imm;
        if (e->mode == 8 ? !canonical(t) : (t & mask_of(bytes)) > e->r.seg[x86_seg_cs].limit)
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
        rc = push(e, v, bytes);
        if (rc)
            return rc;
        return jump(e, t, bytes);
    case 0xe9:
    case 0xeb: /* JMP rel */
        return jump(e, e->r.rip + i->len + i->imm, bytes);
    case 0xf4: /* HLT */
        if ((rc = need_cpl0(e)))
            return rc;
        e->ctxt->retire.hlt = true;
        return X86EMUL_OKAY;
    case 0xf5: /* CMC */
        e->r.rflags ^= X86_FL_CF;
        return X86EMUL_OKAY;
    case 0xf6:
    case 0xf7: /* group 3 */
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        switch (r) {
        case 0:
        case 1: /* TEST */
            alu(e, 4, d.val, i->imm, bytes);
            return X86EMUL_OKAY;
        case 2: /* NOT */
            return op_write(e, &d, ~d.val);
        case 3: /* NEG */
            v = alu(e, 5, 0, d.val, bytes);
            return op_write(e, &d, v);
        default:
            return muldiv(e, r, &d);
        }
    case 0xf8: /* CLC */
    case 0xf9: /* STC */
        set_flags(e, X86_FL_CF, op & 1);
        return X86EMUL_OKAY;
    case 0xfa: /* CLI */
    case 0xfb: /* STI */
        if (e->r.rflags & X86_FL_VM)
            return X86EMUL_UNHANDLEABLE;
        if (protected_mode(e) && e->r.cpl > iopl(e))
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
        if (op == 0xfb && !(e->r.rflags & X86_FL_IF))
            e->ctxt->retire.sti = true;
        set_flags(e, X86_FL_IF, op == 0xfb ? X86_FL_IF : 0);
        return X86EMUL_OKAY;
    case 0xfc: /* CLD */
    case 0xfd: /* STD */
        set_flags(e, X86_FL_DF, op == 0xfd ? X86_FL_DF : 0);
        return X86EMUL_OKAY;
    case 0xfe: /* group 4 */
        if (r > 1)
            return ud(e);
        /* fallthrough */
    case 0xff:       /* group 5 */
        if (r < 2) { /* INC, DEC */
            op_rm(e, &d, bytes);
            if ((rc = op_read(e, &d)))
                return rc;
            t = e->r.rflags & X86_FL_CF;
            v = alu(e, r ? 5 : 0, d.val, 1, bytes);
            set_flags(e, X86_FL_CF, t);
            return op_write(e, &d, v);
        }
        if (r == 7)
            return ud(e);
        if (r == 3 || r == 5)
            return i->mod == 3 ? ud(e) : X86EMUL_UNHANDLEABLE; /* far CALL/JMP */
        if (e->mode == 8) {
            if (r != 6 && i->opsize_prefix)
                return X86EMUL_UNHANDLEABLE;
            bytes = (r == 6 && i->opsize_prefix) ? 2 : 8;
        }
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        if (r == 6)
            return push(e, d.val, bytes);
        if (r == 2) { /* CALL Ev */
            if (e->mode == 8 ? !canonical(d.val) : d.val > e->r.seg[x86_seg_cs].limit)
                return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
            rc = push(e, e->r.rip + i->len, bytes);
            if (rc)
                return rc;
        }
        return jump(e, d.val, bytes);
    }
    return X86EMUL_UNHANDLEABLE;
}

static int exec_map1(struct emu *e)
{
    struct x86_insn *i = e->i;
    struct operand d = {0}, s = {0};
    unsigned int op = i->opcode, bytes = i->op_bytes, r = i->reg & 7;
    uint64_t v, t;
    int rc;

    switch (op) {
    case 0x01:
        if (i->modrm == 0xd9 || i->modrm == 0xc1)
            return X86EMUL_UNHANDLEABLE; /* VMMCALL/VMCALL: hypercalls, not emulated */
        if ((i->reg & 7) == 6) {         /* LMSW: CR0 bits 0-3; PE can be set, not cleared */
            if (i->lock)
                return ud(e);
            if ((rc = need_cpl0(e)))
                return rc;
            op_rm(e, &s, 2);
            if ((rc = op_read(e, &s)))
                return rc;
            if (!e->ctxt->ops->read_cr || !e->ctxt->ops->write_cr)
                return X86EMUL_UNHANDLEABLE;
            if ((rc = e->ctxt->ops->read_cr(0, &v, e->ctxt)))
                return rc;
            return e->ctxt->ops->write_cr(0, (v & ~0xfULL) | (s.val & 0xf) | (v & 1), e->ctxt);
        }
        return X86EMUL_UNHANDLEABLE;
    case 0x06: /* CLTS */
        if ((rc = need_cpl0(e)))
            return rc;
        if (!e->ctxt->ops->read_cr || !e->ctxt->ops->write_cr)
            return X86EMUL_UNHANDLEABLE;
        if ((rc = e->ctxt->ops->read_cr(0, &v, e->ctxt)))
            return rc;
        return e->ctxt->ops->write_cr(0, v & ~8ULL, e->ctxt);
    case 0x0b: /* UD2 */
    case 0xb9: /* UD1 */
    case 0xff: /* UD0 */
        return ud(e);
    case 0x18 ... 0x1f: /* hint NOPs, prefetches, ENDBR */
        return X86EMUL_OKAY;
    case 0x20:
    case 0x22: { /* MOV from/to CR */
        unsigned int cr = i->reg;

        if (i->lock || (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8))
            return ud(e);
        if ((rc = need_cpl0(e)))
            return rc;
        bytes = e->mode == 8 ? 8 : 4;
        if (op == 0x20) {
            if (!e->ctxt->ops->read_cr)
                return X86EMUL_UNHANDLEABLE;
            rc = e->ctxt->ops->read_cr(cr, &v, e->ctxt);
            if (!rc)
                reg_set(e, i->rm, bytes, false, v);
            return rc;
        }
        if (!e->ctxt->ops->write_cr)
            return X86EMUL_UNHANDLEABLE;
        return e->ctxt->ops->write_cr(cr, e->r.gpr[i->rm] & mask_of(bytes), e->ctxt);
    }
    case 0x30: /* WRMSR */
    case 0x32: /* RDMSR */
        if ((rc = need_cpl0(e)))
            return rc;
        if (op == 0x30) {
            if (!e->ctxt->ops->write_msr)
                return X86EMUL_UNHANDLEABLE;
            return e->ctxt->ops->write_msr((uint32_t)e->r.gpr[X86_RCX],
                                           (e->r.gpr[X86_RDX] << 32) | (uint32_t)e->r.gpr[X86_RAX],
                                           e->ctxt);
        }
        if (!e->ctxt->ops->read_msr)
            return X86EMUL_UNHANDLEABLE;
        rc = e->ctxt->ops->read_msr((uint32_t)e->r.gpr[X86_RCX], &v, e->ctxt);
        if (!rc) {
            e->r.gpr[X86_RAX] = (uint32_t)v;
            e->r.gpr[X86_RDX] = v >> 32;
        }
        return rc;
    case 0x40 ... 0x4f: /* CMOVcc: the source is read whatever the condition */
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        op_reg(e, &d, i->reg, bytes);
        op_read(e, &d);
        return op_write(e, &d, cond(e, op & 0xf) ? s.val : d.val);
    case 0x80 ... 0x8f: /* Jcc rel */
        if (cond(e, op & 0xf))
            return jump(e, e->r.rip + i->len + i->imm, bytes);
        return X86EMUL_OKAY;
    case 0x90 ... 0x9f: /* SETcc */
        op_rm(e, &d, 1);
        return op_write(e, &d, cond(e, op & 0xf));
    case 0xa2: { /* CPUID */
        uint32_t out[4];

        if (!e->ctxt->ops->cpuid)
            return X86EMUL_UNHANDLEABLE;
        rc = e->ctxt->ops->cpuid((uint32_t)e->r.gpr[X86_RAX], (uint32_t)e->r.gpr[X86_RCX], out,
                                 e->ctxt);
        if (rc)
            return rc;
        e->r.gpr[X86_RAX] = out[0];
        e->r.gpr[X86_RBX] = out[1];
        e->r.gpr[X86_RCX] = out[2];
        e->r.gpr[X86_RDX] = out[3];
        return X86EMUL_OKAY;
    }
    case 0xa3:
    case 0xab:
    case 0xb3:
    case 0xbb: /* BT, BTS, BTR, BTC Ev,Gv */
        op_rm(e, &d, bytes);
        return bit_op(e, (op >> 3) & 3, &d, reg_get(e, i->reg, bytes, false), false);
    case 0xba: /* BT, BTS, BTR, BTC Ev,Ib */
        if (r < 4)
            return ud(e);
        op_rm(e, &d, bytes);
        return bit_op(e, r & 3, &d, i->imm, true);
    case 0xa4:
    case 0xa5:
    case 0xac:
    case 0xad: { /* SHLD, SHRD */
        unsigned int bits = 8 * bytes, count;
        uint64_t fill, m = mask_of(bytes);

        count = ((op & 1) ? e->r.gpr[X86_RCX] : i->imm) & (bytes == 8 ? 63 : 31);
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        if (!count)
            return op_write(e, &d, d.val);
        if (count > bits)
            return X86EMUL_UNHANDLEABLE; /* 16-bit with count > 16: undefined */
        fill = reg_get(e, i->reg, bytes, false);
        if (op < 0xa8) { /* SHLD */
            v = count == bits ? fill : ((d.val << count) | (fill >> (bits - count))) & m;
            t = (d.val >> (bits - count)) & 1;
        } else {
            v = count == bits ? fill : ((d.val >> count) | (fill << (bits - count))) & m;
            t = (d.val >> (count - 1)) & 1;
        }
        set_flags(e, X86_FL_ARITH,
                  (t ? X86_FL_CF : 0) | (((v ^ d.val) & sign_of(bytes)) ? X86_FL_OF : 0) |
                      flags_szp(v, bytes));
        return op_write(e, &d, v);
    }
    case 0xaf: /* IMUL Gv,Ev */
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        reg_set(e, i->reg, bytes, false,
                imul_trunc(e, reg_get(e, i->reg, bytes, false), s.val, bytes));
        return X86EMUL_OKAY;
    case 0xb0:
    case 0xb1: /* CMPXCHG */
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        op_reg(e, &s, i->reg, bytes);
        op_read(e, &s);
        alu(e, 7, e->r.gpr[X86_RAX], d.val, bytes);
        if (e->r.rflags & X86_FL_ZF)
            return op_write(e, &d, s.val);
        /* Failure: the destination is written back unchanged, then the
         * accumulator is loaded. */
        if (d.type == OP_MEM && (rc = op_write(e, &d, d.val)))
            return rc;
        reg_set(e, X86_RAX, bytes, false, d.val);
        return X86EMUL_OKAY;
    case 0xb6:
    case 0xb7:
    case 0xbe:
    case 0xbf: /* MOVZX, MOVSX */
        op_rm(e, &s, (op & 1) ? 2 : 1);
        if ((rc = op_read(e, &s)))
            return rc;
        reg_set(e, i->reg, bytes, false, (op & 8) ? sext(s.val, s.bytes) : s.val);
        return X86EMUL_OKAY;
    case 0xb8: /* POPCNT */
        if (i->rep != 0xf3)
            return ud(e);
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        for (v = 0, t = s.val & mask_of(bytes); t; t &= t - 1)
            v++;
        set_flags(e, X86_FL_ARITH, v ? 0 : X86_FL_ZF);
        reg_set(e, i->reg, bytes, false, v);
        return X86EMUL_OKAY;
    case 0xbc:
    case 0xbd: /* BSF, BSR (TZCNT/LZCNT with F3 are not emulated) */
        if (i->rep == 0xf3)
            return X86EMUL_UNHANDLEABLE;
        op_rm(e, &s, bytes);
        if ((rc = op_read(e, &s)))
            return rc;
        t = s.val & mask_of(bytes);
        if (!t) {
            set_flags(e, X86_FL_ZF, X86_FL_ZF); /* destination unchanged */
            return X86EMUL_OKAY;
        }
        if (op == 0xbc)
            for (v = 0; !((t >> v) & 1); v++)
                ;
        else
            for (v = 8 * bytes - 1; !((t >> v) & 1); v--)
                ;
        set_flags(e, X86_FL_ZF, 0);
        reg_set(e, i->reg, bytes, false, v);
        return X86EMUL_OKAY;
    case 0xc0:
    case 0xc1: /* XADD */
        op_rm(e, &d, bytes);
        if ((rc = op_read(e, &d)))
            return rc;
        op_reg(e, &s, i->reg, bytes);
        op_read(e, &s);
        v = alu(e, 0, d.val, s.val, bytes);
        if ((rc = op_write(e, &d, v)))
            return rc;
        if (d.type == OP_REG && d.reg == s.reg && d.high8 == s.high8)
            return X86EMUL_OKAY; /* XADD r,r with the same register: sum */
        return op_write(e, &s, d.val);
    case 0xc7: { /* CMPXCHG8B / CMPXCHG16B */
        unsigned int n = bytes == 8 ? 8 : 4;
        uint64_t lo, hi, m = mask_of(n);
        uint8_t old[16], new[16];

        if (r != 1 || i->mod == 3)
            return r == 1 ? ud(e) : X86EMUL_UNHANDLEABLE;
        op_rm(e, &d, n);
        if (n == 8 && (d.off & 15))
            return x86_emul_exception(e->ctxt, X86_EXC_GP, true, 0);
        if ((rc = read_val(e, d.seg, d.off, n, &lo)) ||
            (rc = read_val(e, d.seg, d.off + n, n, &hi)))
            return rc;
        put_le(old, lo, n);
        put_le(old + n, hi, n);
        if (lo == (e->r.gpr[X86_RAX] & m) && hi == (e->r.gpr[X86_RDX] & m)) {
            put_le(new, e->r.gpr[X86_RBX], n);
            put_le(new + n, e->r.gpr[X86_RCX], n);
            if ((rc = mem_cmpxchg(e, d.seg, d.off, old, new, 2 * n)))
                return rc;
            set_flags(e, X86_FL_ZF, X86_FL_ZF);
        } else {
            /* Failure writes the old value back (so faults as a write). */
            if ((rc = mem_cmpxchg(e, d.seg, d.off, old, old, 2 * n)))
                return rc;
            reg_set(e, X86_RAX, n, false, lo);
            reg_set(e, X86_RDX, n, false, hi);
            set_flags(e, X86_FL_ZF, 0);
        }
        return X86EMUL_OKAY;
    }
    case 0xc8 ... 0xcf: { /* BSWAP */
        unsigned int reg = (op & 7) | ((i->rex & 1) << 3), k;

        if (bytes == 2)
            return X86EMUL_UNHANDLEABLE; /* undefined */
        v = e->r.gpr[reg];
        for (t = 0, k = 0; k < bytes; k++)
            t |= ((v >> (8 * k)) & 0xff) << (8 * (bytes - 1 - k));
        reg_set(e, reg, bytes, false, t);
        return X86EMUL_OKAY;
    }
    }
    return X86EMUL_UNHANDLEABLE;
}

int x86_emulate(struct x86_emulate_ctxt *ctxt)
{
    struct emu e;
    uint64_t tf;
    int rc;

    memset(&ctxt->retire, 0, sizeof(ctxt->retire));
    memset(&ctxt->event, 0, sizeof(ctxt->event));
    rc = x86_decode(ctxt);
    if (rc)
        return rc;
    e.ctxt = ctxt;
    e.i = &ctxt->insn;
    e.r = *ctxt->regs;
    e.mode = x86_mode_bytes(&e.r);
    e.branched = e.partial = false;
    e.atomic = e.i->lock ||
               (e.i->map == 0 && (e.i->opcode == 0x86 || e.i->opcode == 0x87) && e.i->mod != 3);
    tf = e.r.rflags & X86_FL_TF;

    if (e.i->invalid || (e.i->lock && !lock_ok(e.i)))
        return ud(&e);
    if ((e.i->flags & D_BR) && e.mode == 8 && e.i->opsize_prefix)
        return X86EMUL_UNHANDLEABLE;

    switch (e.i->map) {
    case 0:
        rc = exec_map0(&e);
        break;
    case 1:
        rc = exec_map1(&e);
        break;
    default:
        rc = X86EMUL_UNHANDLEABLE;
        break;
    }
    if (rc != X86EMUL_OKAY)
        return rc;
    /* A string instruction that stopped early has committed its progress and
     * leaves RIP alone; anything that did not branch moves past itself. */
    if (e.partial)
        return X86EMUL_OKAY;
    if (!e.branched)
        e.r.rip = (e.r.rip + e.i->len) & (e.mode == 8 ? ~0ull : mask_of(e.mode));
    e.r.rflags = (e.r.rflags | X86_FL_MBS) & ~(uint64_t)X86_FL_RF;
    *ctxt->regs = e.r;
    ctxt->retire.singlestep = tf != 0;
    return X86EMUL_OKAY;
}
