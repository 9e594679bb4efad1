/* Version strings and the GNU build id of this image. */
#include <xen/lib.h>
#include <xen/string.h>
#include <xen/version.h>
#include "version.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

extern const char __note_gnu_build_id_start[], __note_gnu_build_id_end[];

unsigned int xen_major_version(void)
{
    return XEN_VERSION_MAJOR;
}
unsigned int xen_minor_version(void)
{
    return XEN_VERSION_MINOR;
}
const char *xen_extra_version(void)
{
    return XEN_EXTRAVERSION;
}
const char *xen_version_string(void)
{
    return STR(XEN_VERSION_MAJOR) "." STR(XEN_VERSION_MINOR) XEN_EXTRAVERSION;
}
const char *xen_changeset(void)
{
    return XEN_CHANGESET;
}
const char *xen_compiler(void)
{
    return XEN_COMPILER;
}
const char *xen_build_opts(void)
{
    return XEN_BUILD_OPTS;
}

/*
 * The guest-visible subsystems this image was built with, as the boot line
 * `features: ...` that test runners read to know which tests must run (a
 * test that skips although what it needs is here is a failure).
 */
const char *xen_features(void)
{
    return "evtchn gnttab memory vcpu-op lapic"
#ifdef CONFIG_COVERAGE
           " coverage"
#endif
        ;
}

unsigned int xen_build_id(const uint8_t **id)
{
    /* ELF note: namesz, descsz, type, "GNU\0", then the id. */
    const uint32_t *n = (const uint32_t *)__note_gnu_build_id_start;

    if (__note_gnu_build_id_end - __note_gnu_build_id_start < 16 || n[2] != 3) {
        *id = NULL;
        return 0;
    }
    *id = (const uint8_t *)(n + 3) + ROUNDUP(n[0], 4);
    return n[1];
}

const char *xen_build_id_string(void)
{
    static char buf[2 * 32 + 1];
    const uint8_t *id;
    unsigned int len = xen_build_id(&id);

    if (!buf[0]) {
        if (len > 32)
            len = 32;
        for (unsigned int i = 0; i < len; i++)
            snprintf(buf + 2 * i, 3, "%02x", id[i]);
        if (!len)
            strlcpy(buf, "none", sizeof(buf));
    }
    return buf;
}
