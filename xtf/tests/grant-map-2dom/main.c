/**
 * @file
 * Grant mapping between two domains (v1).  The primary (granter) grants a
 * writable page and a read-only page to its companion (mapper) and a page
 * to nobody the mapper may use; the mapper, told the granter's domid,
 * proves it can map the writable grant and see the granter's pattern, write
 * an answer the granter then sees in its own page, that the read-only grant
 * maps only with GNTMAP_readonly, that the page granted to another domain is
 * refused (GNTST_general_error, as in Xen), that unmap restores its window, and
 * that once the granter revokes the grant a new map fails.  A third domain
 * (stranger) proves it cannot map grants made to the mapper.  Bug class:
 * grant checks that trust the mapper (mapping frames not granted to it,
 * writing read-only grants).
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor gnttab memory
 * @companion mapper
 * @companion stranger
 */
#include <xtf.h>

const char test_title[] = "Grant map/unmap between two domains";

#define REF_RW    8
#define REF_RO    9
#define REF_OTHER 10
#define REF_ACK   11
#define WINDOW    0xf0000000ul
#define PATTERN   0x5a17c0deu
#define ANSWER    0xa11ce5edu
#define TRIES     500000

static uint8_t page_rw[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t page_ro[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t page_other[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t page_ack[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct grant_entry_v1 *gt;

static void grant(grant_ref_t ref, domid_t dom, void *page, uint16_t flags)
{
    gt[ref].flags = 0;
    barrier();
    gt[ref].domid = dom;
    gt[ref].frame = (unsigned long)page >> PAGE_SHIFT;
    barrier();
    gt[ref].flags = flags;
}

static int16_t map(domid_t dom, grant_ref_t ref, uint32_t flags, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = WINDOW, .flags = flags, .ref = ref, .dom = dom, .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    if (rc)
        xtf_failure("Fail: map_grant_ref returned %ld\n", rc);
    if (op.status == GNTST_okay)
        *h = op.handle;
    invlpg((void *)WINDOW);
    return op.status;
}

static int16_t unmap(grant_handle_t h)
{
    struct gnttab_unmap_grant_ref op = {.host_addr = WINDOW, .handle = h, .status = 99};
    long rc = hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

    if (rc)
        xtf_failure("Fail: unmap_grant_ref returned %ld\n", rc);
    invlpg((void *)WINDOW);
    return op.status;
}

static domid_t one_domid(const char *role)
{
    domid_t id;

    if (xtf_domids(role, &id, 1) != 1)
        panic("no domid for role %s on the command line\n", role);
    return id;
}

static void granter(void)
{
    domid_t mapper = one_domid("mapper"), stranger = one_domid("stranger");
    volatile uint32_t *w = (volatile uint32_t *)page_rw;
    long rc;
    unsigned int i;

    gt = gnttab_v1_setup(&rc);
    if (!gt)
        return xtf_failure("Fail: grant table setup: %ld\n", rc);
    w[0] = PATTERN;
    *(uint32_t *)page_ro = PATTERN + 1;
    grant(REF_OTHER, stranger, page_other, GTF_permit_access);
    grant(REF_RO, mapper, page_ro, GTF_permit_access | GTF_readonly);
    grant(REF_ACK, mapper, page_ack, GTF_permit_access);
    grant(REF_RW, mapper, page_rw, GTF_permit_access);

    for (i = 0; i < TRIES && w[1] != ANSWER; i++)
        hypercall_yield();
    if (w[1] != ANSWER)
        return xtf_failure("Fail: the mapper never wrote its answer (%#x)\n", w[1]);
    printk("mapper answered through the mapped grant\n");
    /* The mapper unmaps once it has answered: the entry is released. */
    for (i = 0; i < TRIES && (gt[REF_RW].flags & (GTF_reading | GTF_writing)); i++)
        hypercall_yield();
    if (gt[REF_RW].flags & (GTF_reading | GTF_writing))
        return xtf_failure("Fail: grant still in use after unmap (flags %#x)\n", gt[REF_RW].flags);
    gt[REF_RW].flags = 0; /* revoke */
    /* The mapper confirms through the other grant that the revoked one failed. */
    for (i = 0; i < TRIES && *(volatile uint32_t *)page_ack != ANSWER; i++)
        hypercall_yield();
    if (*(volatile uint32_t *)page_ack != ANSWER)
        xtf_failure("Fail: the mapper did not confirm the revocation\n");
    /* Stay until the stranger has finished with our table too. */
    for (i = 0; i < TRIES && *(volatile uint32_t *)page_other != ANSWER; i++)
        hypercall_yield();
    if (*(volatile uint32_t *)page_other != ANSWER)
        xtf_failure("Fail: the stranger never reported back\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}

static void mapper(void)
{
    domid_t g = one_domid("primary");
    volatile uint32_t *win = (volatile uint32_t *)WINDOW;
    grant_handle_t h = 0;
    int16_t st = GNTST_general_error;
    unsigned int i;

    /* The granter fills its table after it starts: retry until granted. */
    for (i = 0; i < TRIES; i++) {
        st = map(g, REF_RW, GNTMAP_host_map, &h);
        if (st == GNTST_okay)
            break;
        hypercall_yield();
    }
    if (st != GNTST_okay)
        return xtf_failure("Fail: map of the writable grant: status %d\n", st);
    if (win[0] != PATTERN)
        xtf_failure("Fail: mapped page holds %#x, not the granter's pattern\n", win[0]);
    xtf_expect_rc("map of a page granted to another domain",
                  map(g, REF_OTHER, GNTMAP_host_map, &h) == GNTST_okay ? 0 : 1, 1);

    /* Read-only grant: only with GNTMAP_readonly. */
    {
        grant_handle_t h2;
        struct gnttab_map_grant_ref op = {
            .host_addr = WINDOW + PAGE_SIZE, .flags = GNTMAP_host_map, .ref = REF_RO, .dom = g};

        hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
        if (op.status == GNTST_okay)
            xtf_failure("Fail: read-only grant mapped writable\n");
        op.flags = GNTMAP_host_map | GNTMAP_readonly;
        op.status = 99;
        hypercall_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);
        if (op.status != GNTST_okay)
            xtf_failure("Fail: read-only map of the read-only grant: status %d\n", op.status);
        else {
            h2 = op.handle;
            invlpg((void *)(WINDOW + PAGE_SIZE));
            if (win[PAGE_SIZE / 4] != PATTERN + 1)
                xtf_failure("Fail: read-only mapping holds %#x\n", win[PAGE_SIZE / 4]);
            struct gnttab_unmap_grant_ref u = {.host_addr = WINDOW + PAGE_SIZE, .handle = h2};
            hypercall_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
            xtf_expect_rc("unmap read-only", u.status, GNTST_okay);
        }
    }

    win[1] = ANSWER;
    xtf_expect_rc("unmap", unmap(h), GNTST_okay);
    xtf_expect_rc("second unmap of the handle", unmap(h) == GNTST_okay ? 0 : 1, 1);

    /* After the granter revokes, a map must fail (the granter is alive:
     * it waits for our acknowledgement through REF_ACK). */
    for (i = 0; i < TRIES; i++) {
        st = map(g, REF_RW, GNTMAP_host_map, &h);
        if (st != GNTST_okay)
            break;
        unmap(h);
        hypercall_yield();
    }
    if (st == GNTST_okay)
        return xtf_failure("Fail: the revoked grant still maps\n");
    if (st == GNTST_bad_domain)
        xtf_failure("Fail: revoked grant refused as bad domain (granter gone?)\n");
    st = map(g, REF_ACK, GNTMAP_host_map, &h);
    if (st != GNTST_okay)
        return xtf_failure("Fail: map of the acknowledgement grant: status %d\n", st);
    win[0] = ANSWER;
    xtf_expect_rc("unmap ack", unmap(h), GNTST_okay);
    xtf_success(NULL);
}

static void stranger(void)
{
    domid_t g = one_domid("primary");
    grant_handle_t h;
    unsigned int i;
    int16_t st;

    /* Wait until REF_OTHER (ours) maps, proving the table is filled... */
    for (i = 0; i < TRIES; i++) {
        st = map(g, REF_OTHER, GNTMAP_host_map, &h);
        if (st == GNTST_okay)
            break;
        hypercall_yield();
    }
    if (st != GNTST_okay)
        return xtf_failure("Fail: map of the grant made to us: status %d\n", st);
    xtf_expect_rc("unmap", unmap(h), GNTST_okay);
    /* ...then the grants to the mapper must be refused to us. */
    st = map(g, REF_RW, GNTMAP_host_map, &h);
    if (st == GNTST_okay) {
        unmap(h);
        return xtf_failure("Fail: mapped a grant made to another domain\n");
    }
    /* Xen's status for a grant naming another domain. */
    xtf_expect_rc("map of the mapper's grant", st, GNTST_general_error);
    st = map(g, REF_RO, GNTMAP_host_map | GNTMAP_readonly, &h);
    xtf_expect_rc("map of the mapper's read-only grant", st, GNTST_general_error);
    /* Done: tell the granter through the grant made to us. */
    if (map(g, REF_OTHER, GNTMAP_host_map, &h) == GNTST_okay) {
        *(volatile uint32_t *)WINDOW = ANSWER;
        unmap(h);
    } else
        xtf_failure("Fail: could not report back to the granter\n");
    xtf_success(NULL);
}

void test_main(void)
{
    const char *role;

    xtf_require_hypervisor();
    role = xtf_role();
    printk("role %s\n", role);
    if (!strcmp(role, "mapper"))
        mapper();
    else if (!strcmp(role, "stranger"))
        stranger();
    else
        granter();
}
