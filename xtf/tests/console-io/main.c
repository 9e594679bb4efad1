/**
 * @file
 * console_io: proves that CONSOLEIO_write of a line and of zero bytes
 * succeeds, and that an unknown sub-op gives -ENOSYS.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "console_io";

void test_main(void)
{
    static const char msg[] = "console_io direct write\n";

    xtf_require_hypervisor();
    xtf_expect_rc("write", hypercall_console_io(CONSOLEIO_write, sizeof(msg) - 1, (void *)msg), 0);
    xtf_expect_rc("write of 0 bytes", hypercall_console_io(CONSOLEIO_write, 0, (void *)msg), 0);
    xtf_expect_rc("unknown sub-op", hypercall_console_io(99, 0, NULL), -ENOSYS);
    xtf_success(NULL);
}
