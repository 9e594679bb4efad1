/* x86 instruction decoder and emulator for the HVM layer.
 *
 * Arch-neutral: it knows nothing of SVM or VMX. The caller supplies the guest
 * register file and a table of callbacks (memory by linear address, instruction
 * fetch, I/O ports, CPUID, control registers, MSRs); the emulator decodes the
 * instruction at CS:RIP, checks it the way the processor would (modes, segment
 * limits, canonical addresses, LOCK, privilege) and carries it out through the
 * callbacks. No global state, no allocation: everything lives in the context.
 * See xen/arch/x86/hvm/emulate/README.md. */
#ifndef XEN_X86_EMULATE_H
#define XEN_X86_EMULATE_H

#include <xen/types.h>

/* Return codes of the emulator and of the callbacks. */
#define X86EMUL_OKAY         0 /* done; registers updated */
#define X86EMUL_UNHANDLEABLE 1 /* not emulated; nothing changed */
#define X86EMUL_EXCEPTION    2 /* ctxt->event holds an exception to inject */
#define X86EMUL_RETRY                                                                              \
    3 /* a callback asked to retry later; nothing changed                                          \
         (string instructions keep finished iterations) */

/* Exception vectors. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_BP 3
#define X86_EXC_UD 6
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14

/* RFLAGS bits. */
#define X86_FL_CF    0x00000001u
#define X86_FL_MBS   0x00000002u /* always 1 */
#define X86_FL_PF    0x00000004u
#define X86_FL_AF    0x00000010u
#define X86_FL_ZF    0x00000040u
#define X86_FL_SF    0x00000080u
#define X86_FL_TF    0x00000100u
#define X86_FL_IF    0x00000200u
#define X86_FL_DF    0x00000400u
#define X86_FL_OF    0x00000800u
#define X86_FL_IOPL  0x00003000u
#define X86_FL_NT    0x00004000u
#define X86_FL_RF    0x00010000u
#define X86_FL_VM    0x00020000u
#define X86_FL_AC    0x00040000u
#define X86_FL_VIF   0x00080000u
#define X86_FL_VIP   0x00100000u
#define X86_FL_ID    0x00200000u
#define X86_FL_ARITH (X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF | X86_FL_OF)

#define X86_CR0_PE   0x00000001u
#define X86_CR0_PG   0x80000000u
#define X86_EFER_LMA 0x00000400u

/* General registers, in encoding order. */
enum x86_gpr {
    X86_RAX,
    X86_RCX,
    X86_RDX,
    X86_RBX,
    X86_RSP,
    X86_RBP,
    X86_RSI,
    X86_RDI,
    X86_R8,
    X86_R9,
    X86_R10,
    X86_R11,
    X86_R12,
    X86_R13,
    X86_R14,
    X86_R15,
};

/* Segment registers, in encoding order, then TR (for the I/O bitmap). */
enum x86_seg {
    x86_seg_es,
    x86_seg_cs,
    x86_seg_ss,
    x86_seg_ds,
    x86_seg_fs,
    x86_seg_gs,
    x86_seg_tr,
    x86_seg_nr,
    x86_seg_none = x86_seg_nr /* no segment: an absolute linear address */
};

/* Segment attributes in the packed VMCB form: descriptor bits 40-47 in
 * attr[7:0] (type, S, DPL, P) and bits 52-55 in attr[11:8] (AVL, L, D/B, G).
 * attr == 0 means an unusable (null) segment. limit is the byte-granular
 * limit (already scaled by G). */
struct x86_segment {
    uint64_t base;
    uint32_t limit;
    uint16_t sel;
    uint16_t attr;
};
#define X86_SEG_TYPE(a) ((a)&0xf)
#define X86_SEG_S       0x010 /* code/data (not system) */
#define X86_SEG_P       0x080
#define X86_SEG_L       0x200
#define X86_SEG_DB      0x400
#define X86_SEG_G       0x800

/* The guest register file as the emulator sees it. */
struct x86_regs {
    uint64_t gpr[16];
    uint64_t rip;
    uint64_t rflags;
    struct x86_segment seg[x86_seg_nr];
    uint64_t cr0, cr4, efer;
    uint8_t cpl;
};

/* An exception to inject, filled in when X86EMUL_EXCEPTION is returned. */
struct x86_event {
    uint8_t vector;
    bool has_error_code;
    uint32_t error_code;
    uint64_t cr2; /* for #PF */
};

/* What the instruction is, for intercept handlers that only need to skip it. */
enum x86_insn_class {
    X86_INSN_OTHER,
    X86_INSN_CPUID,
    X86_INSN_HLT,
    X86_INSN_VMMCALL,
    X86_INSN_VMCALL,
    X86_INSN_RDMSR,
    X86_INSN_WRMSR,
    X86_INSN_IN, /* IN from an immediate port or DX */
    X86_INSN_OUT,
    X86_INSN_INS, /* string input, maybe REP */
    X86_INSN_OUTS,
    X86_INSN_MOV_CR,
    X86_INSN_INVLPG,
    X86_INSN_RDTSC,
    X86_INSN_PAUSE,
    X86_INSN_INT3,
    X86_INSN_UD2,
};

/* A decoded instruction. */
struct x86_insn {
    uint8_t len;      /* total length in bytes, prefixes included */
    uint8_t op_bytes; /* operand size: 1 (byte forms), 2, 4, 8 */
    uint8_t ad_bytes; /* address size: 2, 4, 8 */
    uint8_t map;      /* 0: one byte, 1: 0F, 2: 0F 38, 3: 0F 3A */
    uint8_t opcode;
    uint8_t rex; /* 0 if none */
    uint8_t rep; /* 0, 0xF2 or 0xF3 (the last one given) */
    bool lock;
    bool opsize_prefix;
    bool invalid; /* #UD whatever the operands */
    uint8_t seg;  /* effective segment of the memory operand */
    bool seg_override;
    bool has_modrm;
    uint8_t modrm, mod, reg, rm; /* reg and rm include REX.R / REX.B */
    bool has_sib;
    uint8_t sib;
    bool rip_rel;
    int64_t disp;
    uint64_t imm;       /* first immediate, sign-extended where the encoding says */
    uint64_t imm2;      /* second immediate (ENTER's Ib, far pointer selector) */
    uint8_t opc_off;    /* offset of the opcode byte in the instruction */
    uint8_t forced_len; /* 5 when the forced-emulation prefix came first */
    uint8_t flags;      /* decoder table attributes (private) */
    uint8_t flags2;
    enum x86_insn_class cls;
};

struct x86_emulate_ctxt;

/* Callbacks. Each returns an X86EMUL_* code. A callback that fails with
 * X86EMUL_EXCEPTION must have filled ctxt->event (x86_emul_pagefault() helps).
 * Memory callbacks take linear addresses: segmentation is done by the emulator,
 * paging by the caller. Callbacks that are NULL make the instructions that need
 * them X86EMUL_UNHANDLEABLE. */
struct x86_emulate_ops {
    int (*read)(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt);
    int (*write)(uint64_t linear, const void *buf, unsigned int bytes,
                 struct x86_emulate_ctxt *ctxt);
    int (*fetch)(uint64_t linear, void *buf, unsigned int bytes, struct x86_emulate_ctxt *ctxt);
    int (*read_io)(uint16_t port, unsigned int bytes, uint32_t *val, struct x86_emulate_ctxt *ctxt);
    int (*write_io)(uint16_t port, unsigned int bytes, uint32_t val, struct x86_emulate_ctxt *ctxt);
    /* out[0..3] = EAX, EBX, ECX, EDX. */
    int (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t out[4], struct x86_emulate_ctxt *ctxt);
    int (*read_cr)(unsigned int reg, uint64_t *val, struct x86_emulate_ctxt *ctxt);
    int (*write_cr)(unsigned int reg, uint64_t val, struct x86_emulate_ctxt *ctxt);
    int (*read_msr)(uint32_t msr, uint64_t *val, struct x86_emulate_ctxt *ctxt);
    int (*write_msr)(uint32_t msr, uint64_t val, struct x86_emulate_ctxt *ctxt);
    /* Optional, for LOCKed read-modify-writes and XCHG with memory: replace
     * the bytes at linear with new if they still equal old, atomically.
     * Returns OKAY when replaced, RETRY when the memory changed meanwhile (the
     * emulator then returns RETRY with nothing committed: re-run the guest),
     * or EXCEPTION. Without it those writes are plain writes. */
    int (*cmpxchg)(uint64_t linear, const void *old, const void *new, unsigned int bytes,
                   struct x86_emulate_ctxt *ctxt);
};

/* Side effects that the caller must act on after X86EMUL_OKAY. */
struct x86_retire {
    bool hlt;        /* HLT: block the vCPU */
    bool sti;        /* STI or POP SS: one-instruction interrupt shadow */
    bool singlestep; /* TF was set before the instruction: raise #DB */
};

struct x86_emulate_ctxt {
    struct x86_regs *regs; /* in/out */
    const struct x86_emulate_ops *ops;
    void *priv; /* for the caller's callbacks */
    /* Accept the forced-emulation prefix: ud2a (0F 0B) then "xen" (78 65 6E);
     * the instruction after it is emulated and RIP moves past both. */
    bool force_prefix;
    /* Upper bound on REP iterations per call; 0 means 1024. When reached,
     * the registers show the progress and RIP stays, so the guest re-executes
     * the instruction and the emulator is called again. */
    unsigned int max_reps;
    /* outputs */
    struct x86_insn insn;
    struct x86_event event;
    struct x86_retire retire;
};

/* Decode the instruction at CS:RIP into ctxt->insn (no side effects besides
 * fetches). Returns OKAY, EXCEPTION (#GP when longer than 15 bytes, fetch
 * faults, #UD for an invalid opcode) or UNHANDLEABLE (e.g. VEX/EVEX). */
int x86_decode(struct x86_emulate_ctxt *ctxt);

/* Decode only: the length and class of the instruction at CS:RIP. For skipping
 * an intercepted instruction (CPUID, HLT, VMMCALL, RDMSR...) without next-RIP. */
int x86_insn_length(struct x86_emulate_ctxt *ctxt, unsigned int *len, enum x86_insn_class *cls);

/* Decode and execute the instruction at CS:RIP. */
int x86_emulate(struct x86_emulate_ctxt *ctxt);

/* Helpers for callbacks. */
int x86_emul_exception(struct x86_emulate_ctxt *ctxt, uint8_t vector, bool has_ec, uint32_t ec);
int x86_emul_pagefault(struct x86_emulate_ctxt *ctxt, uint32_t ec, uint64_t cr2);

/* Mode of the register file: 8 (64-bit), 4 (32-bit protected or compat),
 * 2 (16-bit protected or real mode): the default operand/address size. */
unsigned int x86_mode_bytes(const struct x86_regs *regs);
bool x86_mode_64(const struct x86_regs *regs);

#endif
