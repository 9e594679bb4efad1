/**
 * @file
 * Every PAT memory type in every PAT entry.  Bug class: an MSR write check
 * that lets part of a reserved encoding through (a guest loading a memory
 * type the hardware does not define).  Proves that writing MSR_PAT with
 * types 0, 1, 4, 5, 6 and 7 in any one entry (the others write-back) is
 * accepted, and that types 2, 3, 8 and 0xff in any entry raise #GP.  Needs
 * the hypervisor (QEMU's TCG on its own accepts the reserved types).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "PAT memory types";

#define MSR_PAT       0x277
#define PAT_ALL_WB    0x0606060606060606ull
#define PAT_RESET_VAL 0x0007040600070406ull

void test_main(void)
{
    static const uint8_t types[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff};

    xtf_require_hypervisor();
    for (unsigned int e = 0; e < 8; e++)
        for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
            uint8_t t = types[i];
            uint64_t val = (PAT_ALL_WB & ~(0xffull << (8 * e))) | ((uint64_t)t << (8 * e));
            bool reserved = t == 2 || t == 3 || t > 7;
            exinfo_t ex = wrmsr_safe(MSR_PAT, val);

            if (reserved && ex != EXINFO_SYM(GP, 0))
                xtf_failure("Fail: PAT entry %u type %#x gave %#x, expected #GP\n", e, t, ex);
            else if (!reserved && ex)
                xtf_failure("Fail: PAT entry %u type %#x faulted (%#x)\n", e, t, ex);
        }
    if (wrmsr_safe(MSR_PAT, PAT_RESET_VAL))
        xtf_failure("Fail: restoring the reset PAT faulted\n");
    xtf_success(NULL);
}
