/**
 * @file
 * The PVH start of day: proves the hvm_start_info the domain was entered
 * with has the magic, version 1 (with a memory map), no modules, a command
 * line that is a NUL-terminated string in RAM carrying the runner's
 * settings (xtf-role=primary, given because of a companion), an RSDP pointer that is either absent
 * or points at "RSD PTR ", and a memory map that is sorted, non-overlapping, has RAM holding this
 * image, its stack and the start info itself, no more RAM than the domain's maximum reservation and
 * none above 4 GiB; and that XENMEM_memory_map returns the same map entry for entry.
 *
 * @category functional
 * @envs hvm64 hvm32pae hvm32pse hvm32
 * @needs hypervisor memory
 * @companion peer test=example
 */
#include <xtf.h>

const char test_title[] = "hvm_start_info";

struct xen_memory_map {
    unsigned int nr_entries;
    void *buffer;
};

struct e820 {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

static const struct hvm_memmap_entry *mm;
static unsigned int nr;

static bool in_ram(uint64_t pa, uint64_t len)
{
    for (unsigned int i = 0; i < nr; i++)
        if (mm[i].type == 1 && pa >= mm[i].addr && pa + len <= mm[i].addr + mm[i].size)
            return true;
    return false;
}

extern char _start[], _end[];

void test_main(void)
{
    const struct hvm_start_info *si = pvh_start_info;
    static struct e820 e[64];
    struct xen_memory_map m = {.nr_entries = ARRAY_SIZE(e), .buffer = e};
    uint64_t ram = 0;
    unsigned int i;
    long max;
    int local;

    xtf_require_hypervisor();
    if (!si)
        return xtf_failure("Fail: entered without start info\n");
    xtf_expect_rc("magic", si->magic, HVM_START_MAGIC);
    xtf_expect_rc("version", si->version, 1);
    xtf_expect_rc("nr_modules", si->nr_modules, 0);
    nr = si->memmap_entries;
    mm = (const struct hvm_memmap_entry *)(unsigned long)si->memmap_paddr;
    if (!nr || !mm)
        return xtf_failure("Fail: no memory map (%u entries at %p)\n", nr, mm);
    if (!si->cmdline_paddr || !in_ram(si->cmdline_paddr, 1))
        xtf_failure("Fail: command line at %#llx\n", (unsigned long long)si->cmdline_paddr);
    else {
        const char *cl = (const char *)(unsigned long)si->cmdline_paddr;

        if (strnlen(cl, 4096) == 4096 || !strstr(cl, "xtf-role=primary"))
            xtf_failure("Fail: command line '%.80s' lacks xtf-role=primary\n", cl);
    }
    if (si->rsdp_paddr && memcmp((void *)(unsigned long)si->rsdp_paddr, "RSD PTR ", 8))
        xtf_failure("Fail: RSDP at %#llx has no signature\n", (unsigned long long)si->rsdp_paddr);

    for (i = 0; i < nr; i++) {
        printk("  %016llx +%llx type %u\n", (unsigned long long)mm[i].addr,
               (unsigned long long)mm[i].size, mm[i].type);
        if (!mm[i].size)
            xtf_failure("Fail: entry %u is empty\n", i);
        if (i && mm[i].addr < mm[i - 1].addr + mm[i - 1].size)
            xtf_failure("Fail: entry %u overlaps or is out of order\n", i);
        if (mm[i].type == 1) {
            ram += mm[i].size;
            if (mm[i].addr + mm[i].size > 0x100000000ull)
                xtf_failure("Fail: RAM above 4 GiB in entry %u\n", i);
        }
    }
    if (!in_ram((unsigned long)_start, _end - _start))
        xtf_failure("Fail: the image %p-%p is not in RAM\n", _start, _end);
    if (!in_ram((unsigned long)&local, sizeof(local)))
        xtf_failure("Fail: the stack is not in RAM\n");
    if (!in_ram((unsigned long)si, sizeof(*si)))
        xtf_failure("Fail: the start info is not in RAM\n");
    max = hypercall_memory_op(XENMEM_maximum_reservation, &(domid_t){DOMID_SELF});
    if (max <= 0 || ram > (uint64_t)max * PAGE_SIZE)
        xtf_failure("Fail: %llu KiB of RAM in the map, maximum reservation %ld pages\n",
                    (unsigned long long)ram >> 10, max);

    xtf_expect_rc("memory_map", hypercall_memory_op(XENMEM_memory_map, &m), 0);
    if (m.nr_entries != nr)
        xtf_failure("Fail: memory_map has %u entries, start info %u\n", m.nr_entries, nr);
    for (i = 0; i < nr && i < m.nr_entries; i++)
        if (e[i].addr != mm[i].addr || e[i].size != mm[i].size || e[i].type != mm[i].type)
            xtf_failure("Fail: entry %u differs: %#llx+%#llx/%u\n", i,
                        (unsigned long long)e[i].addr, (unsigned long long)e[i].size, e[i].type);
    if (xtf_status_is_success())
        xtf_success(NULL);
}
