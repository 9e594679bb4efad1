/**
 * @file
 * console_io read and write arguments.  Bug class: a guest reading the
 * hypervisor's console input or making it touch bad buffers.  Proves that
 * CONSOLEIO_read from an unprivileged domain gives -EPERM and leaves the
 * buffer untouched, that a privileged domain's read returns a count within
 * the buffer and writes nothing past it, that writes of zero bytes from NULL
 * succeed, writes from a bad buffer give -EFAULT and unknown sub-ops
 * -ENOSYS.  A privileged read of 0 bytes proves nothing about the read path
 * (a stub answers 0 too): it needs serial input queued for the domain
 * (need console-input, which no run offers yet), and SKIPs without it.
 *
 * @category security
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 * @needs ~priv console-input
 * @variations unpriv priv
 * @domain ~priv priv=1
 */
#include <xtf.h>

const char test_title[] = "console_io read";

void test_main(void)
{
    char buf[64];
    long rc;

    xtf_require_hypervisor();
    memset(buf, 0x5a, sizeof(buf));
    rc = hypercall_console_io(CONSOLEIO_read, sizeof(buf), buf);
    if (!strcmp(test_variation, "priv")) {
        if (rc < 0 || rc > (long)sizeof(buf))
            xtf_failure("Fail: privileged read returned %ld\n", rc);
        for (unsigned int i = rc > 0 ? rc : 0; i < sizeof(buf); i++)
            if ((uint8_t)buf[i] != 0x5a) {
                xtf_failure("Fail: read wrote byte %u past its count %ld\n", i, rc);
                break;
            }
    } else {
        xtf_expect_rc("unprivileged read", rc, -EPERM);
        for (unsigned int i = 0; i < sizeof(buf); i++)
            if ((uint8_t)buf[i] != 0x5a) {
                xtf_failure("Fail: refused read wrote byte %u\n", i);
                break;
            }
    }
    xtf_expect_rc("write 0 bytes from NULL", hypercall_console_io(CONSOLEIO_write, 0, NULL), 0);
    xtf_expect_rc("write from a bad buffer", hypercall_console_io(CONSOLEIO_write, 8, XTF_BAD_PTR),
                  -EFAULT);
    xtf_expect_rc("unknown sub-op", hypercall_console_io(77, 0, NULL), -ENOSYS);
    if (!strcmp(test_variation, "priv") && rc == 0)
        xtf_skip("Skip: no serial input queued: the privileged read path is not exercised\n");
    if (xtf_status_is_success())
        xtf_success(NULL);
}
