/**
 * @file
 * hvm_op with hostile arguments.  Bug class: unchecked parameter indices
 * and domain ids (out-of-bounds access, a guest acting on another domain).
 * Proves get/set_param with indices at and far beyond HVM_NR_PARAMS give
 * -EINVAL, with an absent domain -ESRCH or -EPERM, with DOMID_INVALID/DOMID_XEN an
 * error, and on another (existing) domain -EPERM, that parameters a guest
 * may not set give -EPERM and keep their value, that bad callback values
 * (INTx/GSI types, vectors below 16, stray bits) give -EINVAL and leave the
 * old value, that a valid callback vector round-trips, that bad pointers
 * give -EFAULT and unknown ops -ENOSYS.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 * @companion other
 */
#include <xtf.h>

const char test_title[] = "hvm_op hostile arguments";

static long get(domid_t dom, uint32_t idx, uint64_t *val)
{
    struct xen_hvm_param p = {.domid = dom, .index = idx};
    long rc = hypercall_hvm_op(HVMOP_get_param, &p);

    if (val)
        *val = p.value;
    return rc;
}

static long set(domid_t dom, uint32_t idx, uint64_t val)
{
    struct xen_hvm_param p = {.domid = dom, .index = idx, .value = val};

    return hypercall_hvm_op(HVMOP_set_param, &p);
}

void test_main(void)
{
    domid_t other;
    uint64_t v, before;

    xtf_require_hypervisor();
    if (!strcmp(xtf_role(), "other")) {
        /* Stay alive a little while the primary pokes at us. */
        for (unsigned int i = 0; i < 2000; i++)
            hypercall_yield();
        return xtf_success(NULL);
    }
    if (xtf_domids("other", &other, 1) != 1)
        return xtf_error("Error: no domid for the companion\n");

    xtf_expect_rc("get index NR", get(DOMID_SELF, HVM_NR_PARAMS, NULL), -EINVAL);
    xtf_expect_rc("set index NR", set(DOMID_SELF, HVM_NR_PARAMS, 0), -EINVAL);
    xtf_expect_rc("get index 2^31", get(DOMID_SELF, 0x80000000u, NULL), -EINVAL);
    xtf_expect_rc("get index ~0", get(DOMID_SELF, ~0u, NULL), -EINVAL);
    /* Xen says -ESRCH; refusing every other domain with -EPERM is as safe. */
    if (get(4000, HVM_PARAM_STORE_PFN, NULL) != -ESRCH &&
        get(4000, HVM_PARAM_STORE_PFN, NULL) != -EPERM)
        xtf_failure("Fail: get on an absent domain gave %ld\n",
                    get(4000, HVM_PARAM_STORE_PFN, NULL));
    if (get(DOMID_INVALID, HVM_PARAM_STORE_PFN, NULL) >= 0)
        xtf_failure("Fail: get on DOMID_INVALID succeeded\n");
    if (get(DOMID_XEN, HVM_PARAM_STORE_PFN, NULL) >= 0)
        xtf_failure("Fail: get on DOMID_XEN succeeded\n");
    xtf_expect_rc("get on another domain", get(other, HVM_PARAM_STORE_PFN, NULL), -EPERM);
    xtf_expect_rc("set on another domain", set(other, HVM_PARAM_CALLBACK_IRQ, (2ull << 56) | 0x30),
                  -EPERM);

    xtf_expect_rc("get store pfn", get(DOMID_SELF, HVM_PARAM_STORE_PFN, &before), 0);
    xtf_expect_rc("set store pfn", set(DOMID_SELF, HVM_PARAM_STORE_PFN, 0x1234), -EPERM);
    xtf_expect_rc("get store pfn", get(DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
    if (v != before)
        xtf_failure("Fail: refused set changed the store pfn to %#llx\n", (unsigned long long)v);

    xtf_expect_rc("callback vector 0x30",
                  set(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, (2ull << 56) | 0x30), 0);
    xtf_expect_rc("callback GSI type", set(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 5), -EINVAL);
    xtf_expect_rc("callback vector 8", set(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, (2ull << 56) | 8),
                  -EINVAL);
    xtf_expect_rc("callback stray bits",
                  set(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, (2ull << 56) | 0x1000030), -EINVAL);
    xtf_expect_rc("get callback", get(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
    if (v != ((2ull << 56) | 0x30))
        xtf_failure("Fail: callback is %#llx after refused sets\n", (unsigned long long)v);
    xtf_expect_rc("callback off", set(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 0), 0);

    xtf_expect_rc("get bad pointer", hypercall_hvm_op(HVMOP_get_param, XTF_BAD_PTR), -EFAULT);
    xtf_expect_rc("set bad pointer", hypercall_hvm_op(HVMOP_set_param, XTF_BAD_PTR), -EFAULT);
#if CONFIG_PAGING_LEVELS > 0 /* without paging, address 0 is RAM */
    xtf_expect_rc("get NULL", hypercall_hvm_op(HVMOP_get_param, NULL), -EFAULT);
#endif
    xtf_expect_rc("unknown op", hypercall_hvm_op(0x7f, NULL), -ENOSYS);
    if (xtf_status_is_success())
        xtf_success(NULL);
}
