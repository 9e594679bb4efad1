/**
 * @file
 * The hvm_op sub-operations Xen offers HVM guests besides the parameters,
 * with Xen's answers for a guest on nested paging with no altp2m, trace
 * buffers or monitor.  Proves: flush_tlbs with a NULL argument succeeds and
 * with any other -EINVAL; get_time returns a non-zero system time that
 * does not go back; xentrace accepts a well-formed record and refuses too
 * many extra bytes or a class in the event (-EINVAL); get_mem_type says
 * ram_rw for the guest's own RAM and mmio_dm for the local APIC page and
 * for addresses above RAM, -ESRCH for a domain id naming no domain and
 * -EFAULT for an unreadable argument; pagetable_dying is -EINVAL (a shadow
 * paging hint); guest_request_vm_event with NULL succeeds; altp2m is
 * -EOPNOTSUPP; the sub-ops Xen moved to dm_op and unknown ones -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

/* Guest-physical space above RAM: no memory behind it in any environment. */
#define BAD_PTR 0xf0000000ul

const char test_title[] = "hvm_op sub-operations";

struct get_mem_type {
    domid_t domid;
    uint16_t mem_type;
    uint16_t pad[2];
    uint64_t pfn;
};

struct xentrace {
    uint16_t event, extra_bytes;
    uint8_t extra_data[28];
};

struct pagetable_dying {
    domid_t domid;
    uint16_t pad[3];
    uint64_t gpa;
};

static uint8_t ram_page[4096] __aligned(4096);

static void expect(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("Fail: %s: %ld, expected %ld\n", what, rc, want);
}

static void mem_type(const char *what, uint64_t pfn, unsigned int want)
{
    struct get_mem_type m = {.domid = DOMID_SELF, .mem_type = 0xffff, .pfn = pfn};
    long rc = hypercall2(__HYPERVISOR_hvm_op, 15, &m);

    if (rc)
        xtf_failure("Fail: get_mem_type %s: %ld\n", what, rc);
    else if (m.mem_type != want)
        xtf_failure("Fail: get_mem_type %s (pfn %#llx): type %u, expected %u\n", what,
                    (unsigned long long)pfn, m.mem_type, want);
}

void test_main(void)
{
    uint64_t t1 = 0, t2 = 0;
    struct xentrace tr = {.event = 0x123, .extra_bytes = 4};
    struct get_mem_type m = {.domid = 0x7000, .pfn = 0};
    struct pagetable_dying pd = {.domid = DOMID_SELF, .gpa = 0x1000};
    long rc;

    xtf_require_hypervisor();
    rc = hypercall2(__HYPERVISOR_hvm_op, 5, 0);
    if (rc == -ENOSYS)
        return xtf_failure("Fail: HVMOP_flush_tlbs absent (-ENOSYS)\n");
    expect("flush_tlbs(NULL)", rc, 0);
    expect("flush_tlbs(non-NULL)", hypercall2(__HYPERVISOR_hvm_op, 5, &t1), -EINVAL);

    expect("get_time", hypercall2(__HYPERVISOR_hvm_op, 10, &t1), 0);
    expect("get_time again", hypercall2(__HYPERVISOR_hvm_op, 10, &t2), 0);
    if (!t1 || t2 < t1)
        xtf_failure("Fail: get_time went %llu then %llu\n", (unsigned long long)t1,
                    (unsigned long long)t2);
    expect("get_time unwritable", hypercall2(__HYPERVISOR_hvm_op, 10, BAD_PTR), -EFAULT);

    expect("xentrace", hypercall2(__HYPERVISOR_hvm_op, 11, &tr), 0);
    tr.extra_bytes = 29;
    expect("xentrace 29 extra bytes", hypercall2(__HYPERVISOR_hvm_op, 11, &tr), -EINVAL);
    tr.extra_bytes = 0;
    tr.event = 0x1123;
    expect("xentrace event with a class", hypercall2(__HYPERVISOR_hvm_op, 11, &tr), -EINVAL);

    ram_page[0] = 1;
    mem_type("own RAM", (unsigned long)ram_page >> 12, 0 /* ram_rw */);
    mem_type("local APIC page", 0xfee00, 2 /* mmio_dm */);
    mem_type("above RAM", 0xf0000000ull >> 12, 2);
    expect("get_mem_type no domain", hypercall2(__HYPERVISOR_hvm_op, 15, &m), -ESRCH);
    expect("get_mem_type unreadable", hypercall2(__HYPERVISOR_hvm_op, 15, BAD_PTR), -EFAULT);

    expect("pagetable_dying", hypercall2(__HYPERVISOR_hvm_op, 9, &pd), -EINVAL);
    expect("guest_request_vm_event(NULL)", hypercall2(__HYPERVISOR_hvm_op, 24, 0), 0);
    expect("guest_request_vm_event(non-NULL)", hypercall2(__HYPERVISOR_hvm_op, 24, &t1), -EINVAL);
    expect("altp2m", hypercall2(__HYPERVISOR_hvm_op, 25, &t1), -EOPNOTSUPP);
    expect("set_pci_intx_level (moved to dm_op)", hypercall2(__HYPERVISOR_hvm_op, 2, &t1), -ENOSYS);
    expect("inject_trap (moved to dm_op)", hypercall2(__HYPERVISOR_hvm_op, 14, &t1), -ENOSYS);
    expect("unknown sub-op 200", hypercall2(__HYPERVISOR_hvm_op, 200, &t1), -ENOSYS);
    xtf_success(NULL);
}
