/* Speculation barriers between guests (see docs/spec-ctrl.md).
 *
 * - IBPB (`ibpb=`): written to MSR PRED_CMD when a pCPU enters a vCPU of
 *   another domain than the last one it ran, so that branch targets one
 *   guest trained do not steer another. `auto` (the default) uses it when
 *   CPUID 0x80000008 EBX bit 12 offers it; the MSR #GPs otherwise, so
 *   `ibpb=on` on a CPU without it is refused with a warning.
 * - RSB filling (`rsb=`): a guest can leave return addresses of its
 *   choosing in the return stack buffer; every #VMEXIT overwrites it with
 *   harmless entries before the hypervisor's first RET. This needs nothing
 *   from the CPU (calls only), so it is on by default everywhere. */
#include <xen/lib.h>
#include <xen/param.h>
#include <asm/processor.h>
#include <asm/spec_ctrl.h>

enum ibpb_mode { IBPB_AUTO, IBPB_OFF, IBPB_ON };
static const char *const ibpb_modes[] = {"auto", "off", "on", NULL};
static unsigned int opt_ibpb_mode = IBPB_AUTO;
bool opt_ibpb;
bool opt_rsb = true;
uint32_t host_e8b;
enum_param("ibpb", opt_ibpb_mode, ibpb_modes);
boolean_param("rsb", opt_rsb);

void spec_ctrl_init(void)
{
    uint32_t a, b = 0, c, d;
    bool has_ibpb;

    cpuid(0x80000000, &a, &b, &c, &d);
    b = 0;
    if (a >= 0x80000008)
        cpuid(0x80000008, &a, &b, &c, &d);
    host_e8b = b;
    has_ibpb = b & (1u << CPUID_IBPB_BIT);
    opt_ibpb = opt_ibpb_mode != IBPB_OFF && has_ibpb;
    if (opt_ibpb_mode == IBPB_ON && !has_ibpb)
        printk(XENLOG_WARNING "spec-ctrl: ibpb=on refused: the CPU offers no IBPB "
                              "(CPUID 0x80000008 EBX bit %u clear)\n",
               CPUID_IBPB_BIT);
    printk("spec-ctrl: IBPB between domains %s (CPUID 0x80000008 EBX %#x: IBPB %s); "
           "RSB fill on #VMEXIT %s\n",
           opt_ibpb ? "on" : "off", b, has_ibpb ? "offered" : "not offered",
           opt_rsb ? "on" : "off");
}

void spec_ctrl_ibpb(void)
{
    if (opt_ibpb)
        wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}
