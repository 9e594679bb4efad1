/**
 * @file
 * Guest faults stay in the guest.  Bug class: a guest error taking down the
 * host or its neighbours.  Proves that (fetch) executing from a
 * guest-physical address with nothing behind it and (triple-fault) a triple
 * fault each crash only this domain (the hypervisor says "crashed:" and
 * destroys it) while a companion domain in the same boot runs to SUCCESS.
 * (Reads and writes of such addresses do not crash: see unbacked-access.)
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 * @variations fetch triple-fault
 * @companion other test=example
 * @expect-end crashed:; destroyed
 */
#include <xtf.h>

const char test_title[] = "Guest crashes stay in the guest";

void test_main(void)
{
    xtf_require_hypervisor();
    if (!strcmp(test_variation, "fetch")) {
        /* 3 GiB: identity mapped by the guest, no RAM or device there. */
        void (*nowhere)(void) = (void (*)(void))0xc0000000ul;

        nowhere();
        xtf_failure("Fail: executed from unbacked memory\n");
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
