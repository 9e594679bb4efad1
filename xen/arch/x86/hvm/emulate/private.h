/* Internal definitions shared by the decoder and the executor. */
#ifndef HVM_EMULATE_PRIVATE_H
#define HVM_EMULATE_PRIVATE_H

#include <xen/types.h>
#include <xen/string.h>
#include <xen/x86-emulate.h>

/* Decoder table attributes (insn->flags). */
#define D_M     0x01 /* has a ModRM byte */
#define D_B     0x02 /* byte operation */
#define D_I64   0x04 /* invalid in 64-bit mode */
#define D_D64   0x08 /* operand size defaults to 64 in 64-bit mode */
#define D_INV   0x10 /* invalid opcode */
#define D_BR    0x20 /* near branch: 66 in 64-bit mode is not emulated */
#define D_PFX   0x40 /* legacy prefix byte (one-byte map only) */
#define D_NOMEM 0x80 /* ModRM must be a register form (else #UD) */

/* Immediate kinds (insn->flags2). */
#define I_NONE  0
#define I_8     1 /* imm8, sign-extended */
#define I_Z     2 /* imm16 or imm32 (sign-extended to 64) */
#define I_V     3 /* imm of operand size (imm64 with REX.W) */
#define I_16    4
#define I_MOFFS 5 /* offset of address size */
#define I_FAR   6 /* offset of operand size, then selector */
#define I_ENTER 7 /* imm16 then imm8 */
#define I_U8    8 /* imm8, zero-extended */

#define X86_MAX_INSN_LEN 15

#endif
