/* Host-side environment for the emulator tests (see harness.h). */
#include <stdio.h>
#include <string.h>
#include "harness.h"

void env_init(struct env *env)
{
    memset(env, 0, sizeof(*env));
    env->msr_index = 0xc0000100; /* FS base: any index the tests use */
}

struct env_page *env_find(struct env *env, uint64_t va)
{
    unsigned int k;

    for (k = 0; k < ENV_PAGES; k++)
        if (env->pages[k].used && env->pages[k].va == (va & ~4095ull))
            return &env->pages[k];
    return NULL;
}

struct env_page *env_map(struct env *env, uint64_t va)
{
    struct env_page *p = env_find(env, va);
    unsigned int k;

    if (p)
        return p;
    for (k = 0; k < ENV_PAGES; k++) {
        if (!env->pages[k].used) {
            p = &env->pages[k];
            memset(p, 0, sizeof(*p));
            p->used = true;
            p->va = va & ~4095ull;
            return p;
        }
    }
    return NULL;
}

/* Copy in or out, page by page; returns the faulting address offset + 1 on
 * a missing page, 0 on success. */
static int env_copy(struct env *env, uint64_t va, void *buf, size_t n, bool out, bool check_ro,
                    uint64_t *fault_va)
{
    uint8_t *b = buf;

    while (n) {
        struct env_page *p = env_find(env, va);
        size_t off = va & 4095, chunk = 4096 - off;

        if (chunk > n)
            chunk = n;
        if (!p || (check_ro && p->ro)) {
            *fault_va = va;
            return p ? 2 : 1;
        }
        if (out)
            memcpy(b, p->data + off, chunk);
        else
            memcpy(p->data + off, b, chunk);
        b += chunk;
        va += chunk;
        n -= chunk;
    }
    return 0;
}

int env_poke(struct env *env, uint64_t va, const void *buf, size_t n)
{
    uint64_t f;

    return env_copy(env, va, (void *)buf, n, false, false, &f);
}

int env_peek(struct env *env, uint64_t va, void *buf, size_t n)
{
    uint64_t f;

    return env_copy(env, va, buf, n, true, false, &f);
}

uint32_t env_io_value(uint16_t port, unsigned int bytes)
{
    uint32_t v = 0x01010101u * (port & 0xff);

    return bytes == 4 ? v : v & ((1u << (8 * bytes)) - 1);
}

static int op_read(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;
    uint64_t f;

    env->reads++;
    if (env_copy(env, linear, buf, bytes, true, false, &f))
        return x86_emul_pagefault(ctxt, 0, f);
    return X86EMUL_OKAY;
}

static int op_fetch(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;
    uint64_t f;

    env->fetches++;
    if (env_copy(env, linear, buf, bytes, true, false, &f))
        return x86_emul_pagefault(ctxt, 0x10, f);
    return X86EMUL_OKAY;
}

static int op_write(uint64_t linear, const void *buf, unsigned int bytes,
                    struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;
    uint64_t f, va;

    env->writes++;
    /* Check the whole range first so that a fault writes nothing. */
    for (va = linear & ~4095ull; va < linear + bytes; va += 4096) {
        struct env_page *p = env_find(env, va);

        if (!p)
            return x86_emul_pagefault(ctxt, 2, va < linear ? linear : va);
        if (p->ro)
            return x86_emul_pagefault(ctxt, 3, va < linear ? linear : va);
    }
    env_copy(env, linear, (void *)buf, bytes, false, false, &f);
    return X86EMUL_OKAY;
}

static void log_io(struct env *env, char kind, uint16_t port, unsigned int bytes, uint32_t val)
{
    size_t len = strlen(env->iolog);

    if (kind == 'o')
        snprintf(env->iolog + len, sizeof(env->iolog) - len, "o%u:%x=%x,", bytes, port, val);
    else
        snprintf(env->iolog + len, sizeof(env->iolog) - len, "i%u:%x,", bytes, port);
}

static int op_read_io(uint16_t port, unsigned int bytes, uint32_t *val,
                      struct x86_emulate_ctxt *ctxt)
{
    log_io(ctxt->priv, 'i', port, bytes, 0);
    *val = env_io_value(port, bytes);
    return X86EMUL_OKAY;
}

static int op_write_io(uint16_t port, unsigned int bytes, uint32_t val,
                       struct x86_emulate_ctxt *ctxt)
{
    log_io(ctxt->priv, 'o', port, bytes, val);
    return X86EMUL_OKAY;
}

static int op_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4], struct x86_emulate_ctxt *ctxt)
{
    (void)ctxt;
    out[0] = leaf ^ 0x11111111u;
    out[1] = subleaf ^ 0x22222222u;
    out[2] = leaf + subleaf;
    out[3] = 0x44444444u;
    return X86EMUL_OKAY;
}

static int op_read_cr(unsigned int reg, uint64_t *val, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;

    *val = env->crs[reg];
    return X86EMUL_OKAY;
}

static int op_write_cr(unsigned int reg, uint64_t val, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;

    env->crs[reg] = val;
    return X86EMUL_OKAY;
}

static int op_read_msr(uint32_t msr, uint64_t *val, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;

    if (msr != env->msr_index)
        return x86_emul_exception(ctxt, X86_EXC_GP, true, 0);
    *val = env->msr_value;
    return X86EMUL_OKAY;
}

static int op_write_msr(uint32_t msr, uint64_t val, struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;

    if (msr != env->msr_index)
        return x86_emul_exception(ctxt, X86_EXC_GP, true, 0);
    env->msr_value = val;
    return X86EMUL_OKAY;
}

static int op_cmpxchg(uint64_t linear, const void *old, const void *new, unsigned int bytes,
                      struct x86_emulate_ctxt *ctxt)
{
    struct env *env = ctxt->priv;
    uint8_t cur[16];
    int rc;

    env->cmpxchgs++;
    if (bytes > sizeof(cur))
        return X86EMUL_UNHANDLEABLE;
    rc = op_read(linear, cur, bytes, ctxt);
    if (rc)
        return rc;
    if (env->cmpxchg_fail || memcmp(cur, old, bytes))
        return X86EMUL_RETRY;
    env->writes--; /* counted again by op_write */
    return op_write(linear, new, bytes, ctxt);
}

const struct x86_emulate_ops env_ops = {
    .read = op_read,
    .write = op_write,
    .fetch = op_fetch,
    .read_io = op_read_io,
    .write_io = op_write_io,
    .cpuid = op_cpuid,
    .read_cr = op_read_cr,
    .write_cr = op_write_cr,
    .read_msr = op_read_msr,
    .write_msr = op_write_msr,
    .cmpxchg = op_cmpxchg,
};

static void flat(struct x86_regs *r, uint16_t code_attr, uint16_t data_attr)
{
    unsigned int s;

    for (s = 0; s < x86_seg_tr; s++) {
        r->seg[s].base = 0;
        r->seg[s].limit = 0xffffffffu;
        r->seg[s].attr = s == x86_seg_cs ? code_attr : data_attr;
        r->seg[s].sel = s == x86_seg_cs ? 0x8 : 0x10;
    }
    r->seg[x86_seg_tr].attr = 0x8b;
    r->seg[x86_seg_tr].limit = 0x67;
    r->rflags = 2;
}

void regs_mode64(struct x86_regs *r)
{
    memset(r, 0, sizeof(*r));
    flat(r, 0xa9b, 0xc93);
    r->cr0 = 0x80000011;
    r->cr4 = 0x20;
    r->efer = 0xd00;
}

void regs_compat(struct x86_regs *r)
{
    regs_mode64(r);
    r->seg[x86_seg_cs].attr = 0xc9b;
}

void regs_mode32(struct x86_regs *r)
{
    memset(r, 0, sizeof(*r));
    flat(r, 0xc9b, 0xc93);
    r->cr0 = 0x11;
}

void regs_mode16(struct x86_regs *r)
{
    unsigned int s;

    memset(r, 0, sizeof(*r));
    for (s = 0; s < x86_seg_tr; s++) {
        r->seg[s].limit = 0xffff;
        r->seg[s].attr = s == x86_seg_cs ? 0x9b : 0x93;
    }
    r->rflags = 2;
    r->cr0 = 0x10;
}
