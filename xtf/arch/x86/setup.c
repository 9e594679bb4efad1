/*
 * Environment setup: traps, the PVH start info, hypervisor discovery
 * through the CPUID leaves, the hypercall page, and the console sinks.
 */
#include <xtf.h>

const char environment_description[] = ENVIRONMENT_DESC;
const char environment_name[] = ENVIRONMENT_NAME;

bool xen_present;
uint32_t xen_cpuid_base;
uint32_t xen_version_major, xen_version_minor;
domid_t xen_domid = DOMID_INVALID;
const struct hvm_start_info *pvh_start_info;
const char *xtf_cmdline = "";

extern uint32_t pvh_start_info_pa;
void arch_setup_traps(void);
void console_setup(void);

static uint32_t find_xen_cpuid_base(void)
{
    for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
        uint32_t a, b, c, d;

        cpuid(base, &a, &b, &c, &d);
        /* "XenVMMXenVMM" */
        if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a - base >= 2)
            return base;
    }
    return 0;
}

static void setup_hypervisor(void)
{
    uint32_t a, b, c, d;

    xen_cpuid_base = find_xen_cpuid_base();
    if (!xen_cpuid_base)
        return;

    a = cpuid_eax(xen_cpuid_base + 1);
    xen_version_major = a >> 16;
    xen_version_minor = a & 0xffff;

    cpuid(xen_cpuid_base + 2, &a, &b, &c, &d);
    if (a < 1)
        return;
    wrmsr(b, (unsigned long)hypercall_page);
    /* A filled page no longer starts with the int3 filler. */
    if (hypercall_page[0] == 0xcc)
        return;
    xen_present = true;

    if (cpuid_eax(xen_cpuid_base) >= xen_cpuid_base + 4) {
        cpuid(xen_cpuid_base + 4, &a, &b, &c, &d);
        if (a & (1u << 3)) /* domid present */
            xen_domid = c & 0xffff;
    }
}

static void setup_start_info(void)
{
    const struct hvm_start_info *si = (const void *)(unsigned long)pvh_start_info_pa;

    if (!si || si->magic != HVM_START_MAGIC)
        return;
    pvh_start_info = si;
    if (si->cmdline_paddr && si->cmdline_paddr < 0xffffffffull)
        xtf_cmdline = (const char *)(unsigned long)si->cmdline_paddr;
}

void arch_setup(void)
{
    arch_setup_traps();
    setup_start_info();
    setup_hypervisor();
    console_setup();
}

const char *cmdline_get(const char *key, char *buf, size_t len)
{
    size_t klen = strlen(key);
    const char *p = xtf_cmdline;

    while (*p) {
        while (*p == ' ')
            ++p;
        if (!strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = 0;

            p += klen + 1;
            while (p[n] && p[n] != ' ')
                ++n;
            if (!len)
                return NULL;
            n = min(n, len - 1);
            memcpy(buf, p, n);
            buf[n] = '\0';
            return buf;
        }
        while (*p && *p != ' ')
            ++p;
    }
    return NULL;
}
