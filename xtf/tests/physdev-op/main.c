/**
 * @file
 * physdev_op as Xen answers an HVM guest that has no physical IRQs (no
 * passthrough, no PIRQ emulation: xl's default).  Proves that map_pirq and
 * unmap_pirq are handled (never -ENOSYS): an unreadable argument gives
 * -EFAULT, a domain id that names no domain -ESRCH, and an unprivileged
 * caller -EPERM, for itself and for a domain it does not control; and that
 * the PIRQ-only operations (eoi, irq_status_query, get_free_pirq), the
 * hardware-domain ones (setup_gsi, pci_device_add) and unknown commands
 * give -ENOSYS, as in Xen's hvm_physdev_op.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

/* Guest-physical space above RAM: no memory behind it in any environment. */
#define BAD_PTR 0xf0000000ul

const char test_title[] = "physdev_op for an HVM guest without PIRQs";

struct map_pirq {
    domid_t domid;
    int type, index, pirq, bus, devfn, entry_nr;
    uint64_t table_base;
};

struct unmap_pirq {
    domid_t domid;
    int pirq;
};

static void expect(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("Fail: %s: %ld, expected %ld\n", what, rc, want);
}

void test_main(void)
{
    struct map_pirq map = {.domid = DOMID_SELF, .type = 1 /* GSI */, .index = 9, .pirq = -1};
    struct unmap_pirq unmap = {.domid = DOMID_SELF, .pirq = 9};
    uint32_t small[4] = {9, 0, 0, 0};
    long rc;

    xtf_require_hypervisor();
    rc = hypercall2(__HYPERVISOR_physdev_op, 13, &map);
    if (rc == -ENOSYS)
        return xtf_failure("Fail: physdev_op map_pirq absent (-ENOSYS)\n");
    expect("map_pirq GSI 9 for self", rc, -EPERM);
    expect("unmap_pirq for self", hypercall2(__HYPERVISOR_physdev_op, 14, &unmap), -EPERM);
    expect("map_pirq unreadable", hypercall2(__HYPERVISOR_physdev_op, 13, BAD_PTR), -EFAULT);
    expect("unmap_pirq unreadable", hypercall2(__HYPERVISOR_physdev_op, 14, BAD_PTR), -EFAULT);
    map.domid = 0x7000;
    expect("map_pirq for no domain", hypercall2(__HYPERVISOR_physdev_op, 13, &map), -ESRCH);
    unmap.domid = 0x7000;
    expect("unmap_pirq for no domain", hypercall2(__HYPERVISOR_physdev_op, 14, &unmap), -ESRCH);

    expect("eoi", hypercall2(__HYPERVISOR_physdev_op, 12, small), -ENOSYS);
    expect("irq_status_query", hypercall2(__HYPERVISOR_physdev_op, 5, small), -ENOSYS);
    expect("get_free_pirq", hypercall2(__HYPERVISOR_physdev_op, 23, small), -ENOSYS);
    expect("setup_gsi", hypercall2(__HYPERVISOR_physdev_op, 21, small), -ENOSYS);
    expect("pci_device_add", hypercall2(__HYPERVISOR_physdev_op, 25, small), -ENOSYS);
    expect("unknown command 99", hypercall2(__HYPERVISOR_physdev_op, 99, small), -ENOSYS);
    xtf_success(NULL);
}
