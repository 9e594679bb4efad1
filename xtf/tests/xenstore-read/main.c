/**
 * @file
 * Xenstore from a guest: proves that the domain was introduced to the
 * xenstore domain with its store ring and port, that `domid` (relative)
 * and `/local/domain/<id>/domid` read back the domain's own id, that
 * `name` is set, that a directory lists both, and that writing below
 * `data/` works. SKIPs when the boot has no xenstore domain.
 *
 * @category functional
 * @envs hvm64 hvm32
 * @needs hypervisor xenstore
 */
#include <xtf.h>

const char test_title[] = "Xenstore read of domid and name";

/* Is name one of the NUL-separated entries of list? */
static bool list_has(const char *list, size_t len, const char *name)
{
    for (size_t i = 0; i < len; i += strlen(list + i) + 1)
        if (!strcmp(list + i, name))
            return true;
    return false;
}

void test_main(void)
{
    char buf[128], path[64];
    long rc;
    unsigned int id;

    xtf_require_hypervisor();
    rc = xenstore_read("domid", buf, sizeof(buf));
    if (rc == -ENODEV)
        return xtf_skip("Skip: no xenstore domain in this boot\n");
    if (rc <= 0)
        return xtf_failure("Fail: read domid: %ld\n", rc);
    id = strtoul(buf, NULL, 10);
    if (xen_domid != DOMID_INVALID && id != xen_domid)
        xtf_failure("Fail: domid node says %u, CPUID says %u\n", id, xen_domid);
    snprintf(path, sizeof(path), "/local/domain/%u/domid", id);
    rc = xenstore_request(XS_READ, 0, path, strlen(path) + 1, buf, sizeof(buf));
    if (rc <= 0 || strtoul(buf, NULL, 10) != id)
        xtf_failure("Fail: %s: %ld '%s'\n", path, rc, rc > 0 ? buf : "");
    rc = xenstore_request(XS_READ, 0, "name", 5, buf, sizeof(buf));
    if (rc <= 0)
        xtf_failure("Fail: read name: %ld\n", rc);
    else
        printk("  domain %u is named '%s'\n", id, buf);
    snprintf(path, sizeof(path), "/local/domain/%u", id);
    rc = xenstore_request(XS_DIRECTORY, 0, path, strlen(path) + 1, buf, sizeof(buf));
    if (rc <= 0 || !list_has(buf, (size_t)rc, "domid") || !list_has(buf, (size_t)rc, "name"))
        xtf_failure("Fail: directory %s: %ld\n", path, rc);
    rc = xenstore_request(XS_WRITE, 0, "data/x\0v1", 9, buf, sizeof(buf));
    if (rc < 0)
        xtf_failure("Fail: write data/x: %ld\n", rc);
    rc = xenstore_request(XS_READ, 0, "data/x", 7, buf, sizeof(buf));
    if (rc != 2 || strcmp(buf, "v1"))
        xtf_failure("Fail: read data/x back: %ld\n", rc);
    xtf_expect_rc("read a missing node", xenstore_request(XS_READ, 0, "data/none", 10, buf, 8),
                  -ENOENT);
    xtf_success(NULL);
}
