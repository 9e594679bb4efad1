/**
 * @file
 * String port I/O through the hypervisor's I/O intercept: proves REP OUTSB
 * of a line to port 0xE9 (the domain's console) consumes exactly the count
 * (ECX reaches 0, ESI advances by it), that REP INSB from port 0xE9 reads
 * the port's number into each byte and no byte more, forwards and (with
 * DF=1) backwards, and that REP INSW from a port with no device reads all
 * ones.  Bug class: string I/O emulation writing past the count or in the
 * wrong direction.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32
 * @needs hypervisor
 */
#include <xtf.h>

const char test_title[] = "String port I/O";

static const char line[] = "io-string: this line came through rep outsb\n";
static uint8_t buf[64];

void test_main(void)
{
    unsigned long cnt, si, di;
    unsigned int i;

    xtf_require_hypervisor();
    cnt = sizeof(line) - 1;
    si = (unsigned long)line;
    asm volatile("rep outsb" : "+c"(cnt), "+S"(si) : "d"(0xe9) : "memory");
    if (cnt || si != (unsigned long)line + sizeof(line) - 1)
        xtf_failure("Fail: rep outsb left count %lu, source advanced %lu\n", cnt,
                    si - (unsigned long)line);

    memset(buf, 0x11, sizeof(buf));
    cnt = 16;
    di = (unsigned long)&buf[8];
    asm volatile("rep insb" : "+c"(cnt), "+D"(di) : "d"(0xe9) : "memory");
    if (cnt || di != (unsigned long)&buf[24])
        xtf_failure("Fail: rep insb left count %lu, dest at +%lu\n", cnt, di - (unsigned long)buf);
    for (i = 0; i < sizeof(buf); i++)
        if (buf[i] != ((i >= 8 && i < 24) ? 0xe9 : 0x11)) {
            xtf_failure("Fail: after rep insb byte %u is %#x\n", i, buf[i]);
            break;
        }

    memset(buf, 0x11, sizeof(buf));
    cnt = 4;
    di = (unsigned long)&buf[40];
    asm volatile("std; rep insb; cld" : "+c"(cnt), "+D"(di) : "d"(0xe9) : "memory");
    if (cnt || di != (unsigned long)&buf[36])
        xtf_failure("Fail: backward rep insb left count %lu, dest at +%ld\n", cnt,
                    (long)(di - (unsigned long)buf));
    for (i = 0; i < sizeof(buf); i++)
        if (buf[i] != ((i > 36 && i <= 40) ? 0xe9 : 0x11)) {
            xtf_failure("Fail: after backward rep insb byte %u is %#x\n", i, buf[i]);
            break;
        }

    memset(buf, 0, sizeof(buf));
    cnt = 3;
    di = (unsigned long)buf;
    asm volatile("rep insw" : "+c"(cnt), "+D"(di) : "d"(0x1ef0) : "memory");
    for (i = 0; i < 8; i++)
        if (buf[i] != (i < 6 ? 0xff : 0)) {
            xtf_failure("Fail: rep insw from an empty port: byte %u is %#x\n", i, buf[i]);
            break;
        }
    if (xtf_status_is_success())
        xtf_success(NULL);
}
