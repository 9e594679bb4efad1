/**
 * @file
 * A domain built without a PV console ring (pv_console=0) gets an error from
 * HVMOP_get_param for HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN,
 * never success with 0 (a guest would take page 0 for its ring). The store
 * params of a boot without a xenstore domain read as 0 with success, as on
 * Xen, where an unset param reads as 0 and guests (Linux's xenbus) treat a
 * zero store pfn as "no store". The domain's memory map still reserves the
 * special pages at the top of RAM.
 *
 * @category functional
 * @needs hypervisor
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @domain pv_console=0
 */
#include <xtf.h>

const char test_title[] = "get_param without a console ring";

static long get_param_of(domid_t dom, uint32_t index, uint64_t *v)
{
    struct xen_hvm_param p = {.domid = dom, .index = index};
    long rc = hypercall_hvm_op(HVMOP_get_param, &p);

    *v = p.value;
    return rc;
}

static void no_ring(domid_t dom, const char *who)
{
    uint64_t v = 0x5a5a;

    if (get_param_of(dom, HVM_PARAM_CONSOLE_PFN, &v) != -ENOENT)
        xtf_failure("Fail: %s CONSOLE_PFN: got %lld, value %#llx, expected -ENOENT\n", who,
                    (long long)get_param_of(dom, HVM_PARAM_CONSOLE_PFN, &v), (unsigned long long)v);
    if (get_param_of(dom, HVM_PARAM_CONSOLE_EVTCHN, &v) != -ENOENT)
        xtf_failure("Fail: %s CONSOLE_EVTCHN: got %lld, expected -ENOENT\n", who,
                    (long long)get_param_of(dom, HVM_PARAM_CONSOLE_EVTCHN, &v));
}

static void store_absent(void)
{
    uint64_t v = 0x5a5a;

    xtf_expect_rc("get STORE_PFN", hvm_get_param(HVM_PARAM_STORE_PFN, &v), 0);
    if (v)
        xtf_failure("Fail: STORE_PFN %#llx without a store\n", (unsigned long long)v);
    v = 0x5a5a;
    xtf_expect_rc("get STORE_EVTCHN", hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v), 0);
    if (v)
        xtf_failure("Fail: STORE_EVTCHN %llu without a store\n", (unsigned long long)v);
}

static void memmap_reserves_top(void)
{
    const struct hvm_memmap_entry *mm = (const void *)(unsigned long)pvh_start_info->memmap_paddr;
    unsigned int n = pvh_start_info->memmap_entries;
    uint64_t ram_top = 0, top = 0;

    for (unsigned int i = 0; i < n; i++) {
        uint64_t end = mm[i].addr + mm[i].size;

        if (end > top)
            top = end;
        if (mm[i].type == 1 && end > ram_top)
            ram_top = end;
    }
    if (!n || ram_top >= top)
        xtf_failure("Fail: no reserved pages above RAM in the memory map (%u entries)\n", n);
}

void test_main(void)
{
    xtf_require_hypervisor();
    no_ring(DOMID_SELF, "own");
    store_absent();
    memmap_reserves_top();
    xtf_success(NULL);
}
