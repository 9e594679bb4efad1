/**
 * @file
 * Guest faults stay in the guest.  Bug class: a guest error taking down the
 * host or its neighbours.  Proves that (npf) an access to a guest-physical
 * address with nothing behind it, (triple-fault) a triple fault, and
 * (wild-write) a write far above RAM each crash only this domain (the
 * hypervisor says "crashed:" and destroys it) while a companion domain in
 * the same boot runs to SUCCESS.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 * @variations npf triple-fault wild-write
 * @companion other test=example
 * @expect-end crashed:; destroyed
 */
#include <xtf.h>

const char test_title[] = "Guest crashes stay in the guest";

void test_main(void)
{
    xtf_require_hypervisor();
    if (!strcmp(test_variation, "npf")) {
        /* 3 GiB: identity mapped by the guest, no RAM or device there. */
        uint32_t v = *(volatile uint32_t *)0xc0000000ul;

        xtf_failure("Fail: read of unbacked memory returned %#x\n", v);
    } else if (!strcmp(test_variation, "wild-write")) {
        *(volatile uint32_t *)0xe0001000ul = 0xdeadbeef;
        xtf_failure("Fail: write to unbacked memory completed\n");
    } else {
        struct {
            uint16_t limit;
            unsigned long base;
        } __attribute__((packed)) idt = {0, 0};

        asm volatile("lidt %0; int3" ::"m"(idt));
        xtf_failure("Fail: survived a triple fault\n");
    }
    xtf_exit();
}
