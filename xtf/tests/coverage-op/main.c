/**
 * @file
 * sysctl coverage_op from a privileged domain: proves get_size gives the
 * exact size of a dump, read fills the buffer with a framed dump (magic,
 * format version, header CRC, object count, total length equal to the size,
 * trailer magic and count), a too small buffer gives -ENOBUFS, an unknown
 * coverage command -EINVAL and a wrong interface version -EACCES.  On a
 * build without coverage the op is -EOPNOTSUPP and the test skips.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor coverage
 * @domain priv=1
 */
#include <xtf.h>

const char test_title[] = "coverage_op sysctl (privileged)";

#define SYSCTL_VERSION     0x15
#define SYSCTL_coverage_op 20
#define COV_get_size       0
#define COV_read           1
#ifndef ENOBUFS
#define ENOBUFS 105
#endif

struct sysctl_coverage {
    uint32_t cmd;
    uint32_t interface_version;
    uint32_t op;
    uint32_t size;
    uint64_t buffer;
    uint8_t pad[128 - 16];
};

static uint8_t dump[512 * 1024];

static long coverage_op(uint32_t op, uint32_t *size, void *buf, uint32_t version)
{
    struct sysctl_coverage s = {
        .cmd = SYSCTL_coverage_op,
        .interface_version = version,
        .op = op,
        .size = *size,
        .buffer = (uint64_t)(unsigned long)buf,
    };
    long rc = hypercall1(__HYPERVISOR_sysctl, &s);

    *size = s.size;
    return rc;
}

/* CRC32 (IEEE, reflected), as the dump's. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = ~0u;

    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_dump(const uint8_t *d, uint32_t len)
{
    uint32_t objs = le32(d + 24);

    if (len < 68 || memcmp(d, "XGCOVDMP", 8))
        return xtf_failure("Fail: dump does not start with the magic\n");
    if (le32(d + 8) != 1 || le32(d + 12) != 48)
        return xtf_failure("Fail: format version %u, header size %u\n", le32(d + 8), le32(d + 12));
    if (le32(d + 44) != crc32(d, 44))
        return xtf_failure("Fail: header CRC %#x, computed %#x\n", le32(d + 44), crc32(d, 44));
    if (le32(d + 32) != len || le32(d + 36) != 0)
        return xtf_failure("Fail: header length %u, read %u bytes\n", le32(d + 32), len);
    if (objs == 0)
        return xtf_failure("Fail: no objects registered\n");
    if (le32(d + len - 20) != 0x4e454758u || le32(d + len - 16) != objs)
        return xtf_failure("Fail: trailer magic %#x count %u, header count %u\n",
                           le32(d + len - 20), le32(d + len - 16), objs);
    if (le32(d + len - 4) != crc32(d, len - 4))
        return xtf_failure("Fail: dump CRC mismatch\n");
    printk("dump: %u objects, %u bytes, sequence %u\n", objs, len, le32(d + 40));
}

void test_main(void)
{
    uint32_t size = 0, small = 16, got;
    long rc;

    if (!xen_present)
        return xtf_skip("Skip: tests the hypervisor, and none was found\n");

    rc = coverage_op(COV_get_size, &size, NULL, SYSCTL_VERSION);
    if (rc == -EOPNOTSUPP || rc == -ENOSYS)
        return xtf_skip("Skip: no coverage in this hypervisor (%ld)\n", rc);
    xtf_expect_rc("get_size", rc, 0);
    if (size == 0 || size > sizeof(dump))
        return xtf_error("Error: dump size %u (buffer %u)\n", size, (unsigned)sizeof(dump));

    xtf_expect_rc("read into 16 bytes", coverage_op(COV_read, &small, dump, SYSCTL_VERSION),
                  -ENOBUFS);
    xtf_expect_rc("unknown coverage command", coverage_op(7, &small, dump, SYSCTL_VERSION),
                  -EINVAL);
    xtf_expect_rc("wrong interface version",
                  coverage_op(COV_get_size, &small, NULL, SYSCTL_VERSION - 1), -EACCES);

    got = sizeof(dump);
    xtf_expect_rc("read", coverage_op(COV_read, &got, dump, SYSCTL_VERSION), 0);
    if (got != size)
        xtf_failure("Fail: read %u bytes, get_size said %u\n", got, size);
    check_dump(dump, got);
    xtf_success(NULL);
}
