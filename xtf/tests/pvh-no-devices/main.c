/**
 * @file
 * A PVH domain gets no emulated platform devices, as on Xen: the PIT
 * (0x40-0x43), RTC (0x70/0x71) and PIC (0x21, 0xa1) ports are not decoded,
 * so reads float to 0xff and writes change nothing, and hvm_op
 * get_mem_type calls the HPET and IO-APIC pages MMIO, not RAM.  The
 * counterpart of hpet-ioapic and pit-rtc-pic, which run with type=hvm.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "PVH: no emulated platform devices";

struct get_mem_type {
    domid_t domid;
    uint16_t mem_type;
    uint16_t pad[2];
    uint64_t pfn;
};

void test_main(void)
{
    static const uint16_t ports[] = {0x40, 0x42, 0x43, 0x71, 0x21, 0xa1, 0x20};
    struct get_mem_type m = {.domid = DOMID_SELF, .pfn = 0xfed00};
    long rc;

    xtf_require_hypervisor();
    outb(0x0a, 0x70);
    outb(0x00, 0x21);
    outb(0x34, 0x43);
    for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++)
        if (inb(ports[i]) != 0xff)
            xtf_failure("Fail: port %#x reads %#x, want 0xff (no device)\n", ports[i],
                        inb(ports[i]));
    rc = hypercall2(__HYPERVISOR_hvm_op, 15, &m);
    if (rc || m.mem_type != 2)
        xtf_failure("Fail: HPET page: get_mem_type rc %ld type %u, want 0 and mmio_dm\n", rc,
                    m.mem_type);
    xtf_success(NULL);
}
