/**
 * @file
 * Xenstore transactions through the xenstore domain: proves that a
 * transaction whose node changed after it read it fails to commit with
 * EAGAIN and leaves none of its writes behind, and that a retried
 * transaction without conflict commits them. SKIPs without a xenstore
 * domain.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor xenstore
 */
#include <xtf.h>

const char test_title[] = "Xenstore transaction conflict";

static long wr(uint32_t tx, const char *path, const char *val)
{
    char msg[96], buf[32];
    size_t pl = strlen(path) + 1, vl = strlen(val);

    memcpy(msg, path, pl);
    memcpy(msg + pl, val, vl);
    return xenstore_request(XS_WRITE, tx, msg, pl + vl, buf, sizeof(buf));
}

static long rd(uint32_t tx, const char *path, char *buf, size_t len)
{
    return xenstore_request(XS_READ, tx, path, strlen(path) + 1, buf, len);
}

static uint32_t tx_start(void)
{
    char buf[32];
    long rc = xenstore_request(XS_TRANSACTION_START, 0, "", 1, buf, sizeof(buf));

    return rc > 0 ? strtoul(buf, NULL, 10) : 0;
}

void test_main(void)
{
    char buf[64];
    uint32_t tx;
    long rc;

    xtf_require_hypervisor();
    rc = xenstore_read("domid", buf, sizeof(buf));
    if (rc == -ENODEV)
        return xtf_skip("Skip: no xenstore domain in this boot\n");
    if ((rc = wr(0, "data/counter", "1")) < 0)
        return xtf_failure("Fail: write counter: %ld\n", rc);

    /* Conflict: the counter changes between the read and the commit. */
    if (!(tx = tx_start()))
        return xtf_failure("Fail: transaction start\n");
    rc = rd(tx, "data/counter", buf, sizeof(buf));
    if (rc <= 0 || strcmp(buf, "1"))
        xtf_failure("Fail: read in transaction: %ld\n", rc);
    if (wr(tx, "data/counter", "2") < 0 || wr(tx, "data/side", "t") < 0)
        xtf_failure("Fail: writes in transaction\n");
    if (wr(0, "data/counter", "10") < 0)
        xtf_failure("Fail: write outside the transaction\n");
    xtf_expect_rc("conflicting commit", xenstore_request(XS_TRANSACTION_END, tx, "T", 2, buf, 32),
                  -EAGAIN);
    xtf_expect_rc("no write of the failed transaction", rd(0, "data/side", buf, sizeof(buf)),
                  -ENOENT);
    rc = rd(0, "data/counter", buf, sizeof(buf));
    if (rc <= 0 || strcmp(buf, "10"))
        xtf_failure("Fail: counter after the conflict: '%s'\n", rc > 0 ? buf : "");

    /* The retry commits. */
    if (!(tx = tx_start()))
        return xtf_failure("Fail: second transaction start\n");
    rd(tx, "data/counter", buf, sizeof(buf));
    wr(tx, "data/counter", "11");
    wr(tx, "data/side", "t");
    rc = xenstore_request(XS_TRANSACTION_END, tx, "T", 2, buf, 32);
    if (rc < 0)
        xtf_failure("Fail: commit without conflict: %ld\n", rc);
    rc = rd(0, "data/counter", buf, sizeof(buf));
    if (rc <= 0 || strcmp(buf, "11"))
        xtf_failure("Fail: counter after the commit: '%s'\n", rc > 0 ? buf : "");
    xtf_expect_rc("unknown transaction", xenstore_request(XS_TRANSACTION_END, 999, "T", 2, buf, 32),
                  -ENOENT);
    xtf_success(NULL);
}
