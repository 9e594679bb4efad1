/* Domains built at boot from multiboot modules (as dom0less/hyperlaunch do):
 * each module is a kernel image whose command line holds the domain's
 * settings. See docs/domains.md for the syntax. A module with bad settings or
 * a bad image is refused with a message; the other domains still run.
 *
 * Lifecycle: created -> running -> (shutdown by the guest, or crashed by the
 * hypervisor) -> the configured action: destroy (every frame returned),
 * restart (rebuilt from the same image), or preserve (kept, not run). When
 * every domain has finished the hypervisor prints a summary and, with
 * exit_on_idle, powers off with a status that says whether all went well. */
#include <xen/bootinfo.h>
#include <xen/console.h>
#include <xen/domtime.h>
#include <xen/exit_time.h>
#include <xen/elf.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/memcheck.h>
#include <xen/mm.h>
#include <xen/p2m.h>
#include <xen/param.h>
#include <xen/power.h>
#include <xen/sched.h>
#include <xen/string.h>
#include <xen/subsys.h>
#include <asm/hvm/guest_acpi.h>
#include <asm/hvm/hvm.h>
#include <asm/hvm/vlapic.h>
#include <asm/percpu.h>
#include <public/event_channel.h>
#include <public/hvm/start_info.h>
#include <public/xenstore_domain.h>
#include <xen/xenstore_domain.h>

struct domain *domain_list[MAX_DOMAINS];
unsigned int nr_domains;
static DEFINE_SPINLOCK(domlist_lock);
extern bool opt_exit_on_idle;
static uint64_t opt_dom_mem = 16ULL << 20;
size_param("dom_mem", opt_dom_mem);

/* Per-domain and per-vCPU state of other subsystems (xen/subsys.h and
 * asm/hvm/vlapic.h): an init returns 0 or a negative errno, and destroy
 * must accept a failed init. */

static const char *domain_extra_init(struct domain *d)
{
    if (evtchn_init(d) || shared_info_init(d) || grant_table_init(d) || sched_domain_init(d))
        return "out of memory for event channels, shared info, grant table or scheduler state";
    if (hvm_platform_init(d))
        return "out of memory for the platform devices";
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (vlapic_init(d->vcpus[i]))
            return "out of memory for a virtual local APIC";
    return NULL;
}

static void domain_extra_destroy(struct domain *d)
{
    hvm_platform_destroy(d);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vlapic_destroy(d->vcpus[i]);
    sched_domain_destroy(d);
    grant_table_destroy(d);
    shared_info_destroy(d);
    evtchn_destroy(d);
}

#define START_INFO_GPA 0x1000
#define MEMMAP_GPA     0x1040
#define CMDLINE_GPA    0x1100
#define MODLIST_GPA    0x1400 /* MAX_DOMAIN_MODULES entries */
#define MODCMD_GPA     0x1500 /* their command lines, DOMAIN_MODULE_CMDLINE each */

static const char *const reason_names[] = {"poweroff", "reboot",   "suspend",
                                           "crash",    "watchdog", "soft_reset"};

const char *shutdown_reason_name(unsigned int reason)
{
    if (reason < ARRAY_SIZE(reason_names))
        return reason_names[reason];
    if (reason == EXIT_CRASHED_BY_XEN)
        return "crashed";
    if (reason == EXIT_REFUSED)
        return "refused";
    return "unknown";
}

struct domain *domain_by_id(domid_t id)
{
    for (unsigned int i = 0; i < nr_domains; i++)
        if (domain_list[i] && domain_list[i]->domain_id == id)
            return domain_list[i];
    return NULL;
}

/* --- settings --- */

static const char *parse_action(const char *v, enum domain_action *a)
{
    if (!strcmp(v, "destroy"))
        *a = ACTION_DESTROY;
    else if (!strcmp(v, "restart"))
        *a = ACTION_RESTART;
    else if (!strcmp(v, "preserve"))
        *a = ACTION_PRESERVE;
    else
        return "must be destroy, restart or preserve";
    return NULL;
}

/* Keys xl.cfg(5) has that a module command line does not offer: refused by
 * name, so that a configuration written for xl is not half applied. */
static bool xl_cfg_key(const char *key)
{
    static const char *const keys[] = {
        "builder",
        "maxmem",
        "maxvcpus",
        "cpus",
        "cpus_soft",
        "cpu_weight",
        "kernel",
        "ramdisk",
        "cmdline",
        "extra",
        "root",
        "bootloader",
        "bootloader_args",
        "disk",
        "vif",
        "vfb",
        "vkb",
        "vtpm",
        "p9",
        "pvcalls",
        "channel",
        "pci",
        "usb",
        "usbctrl",
        "usbdev",
        "serial",
        "boot",
        "device_model_version",
        "device_model_override",
        "max_maptrack_frames",
        "max_grant_version",
        "cpuid",
        "viridian",
        "acpi",
        "acpi_s3",
        "acpi_s4",
        "apic",
        "pae",
        "hap",
        "nestedhvm",
        "altp2m",
        "uuid",
        "pool",
        "seclabel",
        "init_seclabel",
        "vnc",
        "sdl",
        "spice",
        "e820_host",
        "localtime",
        "rtc_timeoffset",
        "tsc_mode",
        "soundhw",
        "iomem",
        "ioports",
        "irqs",
        "gfx_passthru",
        "passthrough",
        "xen_platform_pci",
        "timer_mode",
        "vpmu",
        "hpet",
        "vpt_align",
        "nomigrate",
        "driver_domain",
        "device_tree",
        "dtdev",
        "gic_version",
        "vuart",
        "mca_caps",
        "msr_relaxed",
        "stdvga",
        "videoram",
        "vga",
        "firmware",
        "bios",
        "kernel_ext",
        "claim_mode",
        "memory_sharing",
        "vnuma",
        "device_model_stubdomain_override",
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        if (!strcmp(key, keys[i]))
            return true;
    return false;
}

/* Apply one `key=value` setting. Returns NULL or a message. */
static const char *apply_setting(struct domain *d, const char *key, const char *v)
{
    const char *end;
    uint64_t size;

    if (!strcmp(key, "name")) {
        if (!*v || strlen(v) >= sizeof(d->name))
            return "name must be 1-63 characters";
        strlcpy(d->name, v, sizeof(d->name));
    } else if (!strcmp(key, "type")) {
        d->is_hvm = !strcmp(v, "hvm");
        if (strcmp(v, "pvh") && strcmp(v, "hvm"))
            return "type must be pvh or hvm";
    } else if (!strcmp(key, "mem") || !strcmp(key, "memory")) {
        if (!parse_size(v, &end, &size) || *end)
            return "mem must be a size such as 16M";
        if (size < (2ULL << 20) || size > (4ULL << 30))
            return "mem must be between 2M and 4G";
        d->mem_bytes = ROUNDUP(size, 4096);
    } else if (!strcmp(key, "vcpus")) {
        unsigned long n = simple_strtoull(v, &end, 10);
        if (*end || !n || n > MAX_VCPUS)
            return "vcpus must be 1-8";
        d->nr_vcpus = n;
    } else if (!strcmp(key, "pv_console")) {
        if (strcmp(v, "0") && strcmp(v, "1"))
            return "pv_console must be 0 or 1";
        d->no_pv_console = v[0] == '0';
    } else if (!strcmp(key, "priv") || !strcmp(key, "privileged")) {
        if (strcmp(v, "0") && strcmp(v, "1"))
            return "priv must be 0 or 1";
        d->privileged = v[0] == '1';
    } else if (!strcmp(key, "on_poweroff"))
        return parse_action(v, &d->on_poweroff);
    else if (!strcmp(key, "on_reboot"))
        return parse_action(v, &d->on_reboot);
    else if (!strcmp(key, "on_crash"))
        return parse_action(v, &d->on_crash);
    else if (!strcmp(key, "on_watchdog"))
        return parse_action(v, &d->on_watchdog);
    else if (!strcmp(key, "on_soft_reset"))
        return parse_action(v, &d->on_soft_reset);
    else if (!strcmp(key, "role")) {
        if (strcmp(v, "xenstore"))
            return "role must be xenstore";
        for (unsigned int i = 0; i < nr_domains; i++)
            if (domain_list[i] != d && domain_list[i]->is_xenstore &&
                domain_list[i]->state != DOMSTATE_DEAD)
                return "there is a xenstore domain already";
        d->is_xenstore = true;
    } else if (!strcmp(key, "weight")) {
        unsigned long w = simple_strtoull(v, &end, 10);
        if (*end || w < 1 || w > 65535)
            return "weight must be 1-65535";
        d->weight = w;
    } else if (!strcmp(key, "cap")) {
        unsigned long c = simple_strtoull(v, &end, 10);
        if (*end || c > 6400)
            return "cap must be 0-6400 (percent of one CPU)";
        d->cap = c;
    } else if (!strcmp(key, "sched") || !strcmp(key, "affinity") || !strcmp(key, "soft_affinity")) {
        /* All go to the scheduler as one ';'-separated list, which it
         * checks (affinity=0-1+3 names pCPUs 0, 1 and 3). */
        size_t used = strlen(d->sched_params);
        int n = snprintf(d->sched_params + used, sizeof(d->sched_params) - used, "%s%s%s%s",
                         used ? ";" : "", strcmp(key, "sched") ? key : "",
                         strcmp(key, "sched") ? "=" : "", v);
        if (n < 0 || (size_t)n >= sizeof(d->sched_params) - used) {
            d->sched_params[used] = '\0';
            return "scheduler settings too long";
        }
    } else if (!strcmp(key, "max_event_channels")) {
        unsigned long n = simple_strtoull(v, &end, 10);
        if (*end || n < 1 || n > EVTCHN_2L_NR_CHANNELS_64 - 1)
            return "max_event_channels must be 1-4095";
        d->max_evtchns = n;
    } else if (!strcmp(key, "shadow_memory")) {
        /* As in xl.cfg: MiB for the nested page tables (the p2m engine's
         * cap on this domain's table frames, xen/p2m.h). */
        unsigned long n = simple_strtoull(v, &end, 10);
        if (*end || n < 1 || n > 1024)
            return "shadow_memory must be 1-1024 (MiB for the nested page tables)";
        d->shadow_memory_mb = n;
    } else if (!strcmp(key, "max_grant_frames")) {
        unsigned long n = simple_strtoull(v, &end, 10);
        if (*end || n < 1 || n > GNTTAB_FRAMES_LIMIT)
            return "max_grant_frames must be 1-32";
        d->max_grant_frames = n;
    } else if (xl_cfg_key(key))
        return "xl.cfg setting not supported here";
    else
        return "unknown setting";
    return NULL;
}

/* A setting's one name (its aliases folded), to find it given twice. */
static const char *setting_name(const char *key)
{
    if (!strcmp(key, "memory"))
        return "mem";
    if (!strcmp(key, "privileged"))
        return "priv";
    return key;
}

/* "path key=value ... [-- guest command line]". A setting given again
 * takes the last value (a toolstack appends overrides to its defaults), but
 * says so; sched= is a list by design. */
static const char *parse_module_cmdline(struct domain *d, const char *s, char *bad, size_t badlen)
{
    char tok[192], seen[32][24];
    unsigned int nr_seen = 0;
    bool first = true;

    while (*s) {
        size_t n = 0;
        char *eq;
        const char *err;

        while (*s == ' ')
            s++;
        if (!*s)
            break;
        if (s[0] == '-' && s[1] == '-' && (s[2] == ' ' || !s[2])) {
            s += 2;
            while (*s == ' ')
                s++;
            if (strlen(s) >= sizeof(d->cmdline))
                return "guest command line too long";
            strlcpy(d->cmdline, s, sizeof(d->cmdline));
            break;
        }
        while (s[n] && s[n] != ' ')
            n++;
        if (n >= sizeof(tok)) {
            snprintf(bad, badlen, "%.40s...", s);
            return "setting too long";
        }
        memcpy(tok, s, n);
        tok[n] = '\0';
        s += n;
        eq = strchr(tok, '=');
        if (first && !eq) {
            /* The loader's file name: the default domain name. */
            const char *base = strrchr(tok, '/');
            strlcpy(d->name, base ? base + 1 : tok, sizeof(d->name));
            first = false;
            continue;
        }
        first = false;
        if (!eq) {
            snprintf(bad, badlen, "%s", tok);
            return "expected key=value";
        }
        *eq = '\0';
        if (strcmp(tok, "sched")) {
            const char *name = setting_name(tok);

            for (unsigned int i = 0; i < nr_seen; i++)
                if (!strcmp(seen[i], name))
                    printk(XENLOG_WARNING "domain d%u: setting '%s=%s' repeats an earlier %s=; "
                                          "the last one is taken\n",
                           d->domain_id, tok, eq + 1, name);
            if (nr_seen < ARRAY_SIZE(seen) && strlen(name) < sizeof(seen[0]))
                strlcpy(seen[nr_seen++], name, sizeof(seen[0]));
        }
        if ((err = apply_setting(d, tok, eq + 1))) {
            snprintf(bad, badlen, "%s=%s", tok, eq + 1);
            return err;
        }
    }
    return NULL;
}

/* --- building --- */

/* Low RAM, the guest's ACPI tables, the legacy hole, RAM from 1 MiB, and
 * the special pages at the top (reserved, as Xen's toolstack reserves its
 * special pages). The same map is in start info and XENMEM_memory_map. */
unsigned int domain_memory_map(const struct domain *d, struct hvm_memmap_table_entry *map)
{
    uint64_t special = (uint64_t)DOMAIN_SPECIAL_PAGES << PAGE_SHIFT;

    map[0] = (struct hvm_memmap_table_entry){0, GUEST_ACPI_GPA, XEN_HVM_MEMMAP_TYPE_RAM, 0};
    map[1] = (struct hvm_memmap_table_entry){GUEST_ACPI_GPA, 0xa0000 - GUEST_ACPI_GPA,
                                             XEN_HVM_MEMMAP_TYPE_ACPI, 0};
    map[2] = (struct hvm_memmap_table_entry){0xa0000, 0x60000, XEN_HVM_MEMMAP_TYPE_RESERVED, 0};
    map[3] = (struct hvm_memmap_table_entry){0x100000, d->mem_bytes - 0x100000 - special,
                                             XEN_HVM_MEMMAP_TYPE_RAM, 0};
    map[4] = (struct hvm_memmap_table_entry){d->mem_bytes - special, special,
                                             XEN_HVM_MEMMAP_TYPE_RESERVED, 0};
    return 5;
}

static void write_start_info(struct domain *d)
{
    struct hvm_memmap_table_entry map[DOMAIN_MEMMAP_MAX];
    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .cmdline_paddr = d->cmdline[0] ? CMDLINE_GPA : 0,
        .memmap_paddr = MEMMAP_GPA,
    };

    si.memmap_entries = domain_memory_map(d, map);
    si.rsdp_paddr = guest_acpi_build(d);

    if (d->nr_modules) {
        struct hvm_modlist_entry mods[MAX_DOMAIN_MODULES] = {0};

        for (unsigned int i = 0; i < d->nr_modules; i++) {
            const struct domain_module *m = &d->modules[i];
            uint64_t cmd = MODCMD_GPA + i * DOMAIN_MODULE_CMDLINE;

            mods[i].paddr = m->gpa;
            mods[i].size = m->size;
            if (m->cmdline[0]) {
                mods[i].cmdline_paddr = cmd;
                p2m_write_phys(d, cmd, m->cmdline, strlen(m->cmdline) + 1);
            }
        }
        si.nr_modules = d->nr_modules;
        si.modlist_paddr = MODLIST_GPA;
        p2m_write_phys(d, MODLIST_GPA, mods, d->nr_modules * sizeof(mods[0]));
    }
    p2m_write_phys(d, START_INFO_GPA, &si, sizeof(si));
    p2m_write_phys(d, MEMMAP_GPA, map, si.memmap_entries * sizeof(map[0]));
    if (d->cmdline[0])
        p2m_write_phys(d, CMDLINE_GPA, d->cmdline, strlen(d->cmdline) + 1);
    if (d->restarts) {
        /* A restarted guest learns how often it was restarted: the
         * command line gets " xen_restarts=N" (docs/domains.md). */
        char extra[32];
        size_t len = strlen(d->cmdline);

        snprintf(extra, sizeof(extra), "%sxen_restarts=%u", len ? " " : "", d->restarts);
        p2m_write_phys(d, CMDLINE_GPA + len, extra, strlen(extra) + 1);
        si.cmdline_paddr = CMDLINE_GPA;
        p2m_write_phys(d, START_INFO_GPA, &si, sizeof(si));
    }
    d->start_info_gpa = START_INFO_GPA;
}

/* --- the xenstore domain (public/xenstore_domain.h) --- */

static struct domain *xenstore_domain(void)
{
    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];

        if (d->is_xenstore && (d->state == DOMSTATE_CREATED || d->state == DOMSTATE_RUNNING ||
                               d->state == DOMSTATE_PAUSED))
            return d;
    }
    return NULL;
}

/* Rewrite d's entry of the introduction table in xs and tell xs. */
static void xenstore_intro_update(struct domain *xs, struct domain *d, bool present)
{
    static uint32_t gen;
    /* The table's header only: the table itself (XSDOM_INTRO_MAX entries,
     * over 22 KiB) would not fit on a 16 KiB hypervisor stack. */
    const uint32_t hdr[] = {XSDOM_INTRO_MAGIC, XSDOM_INTRO_MAX, xs->domain_id, 0};
    struct xsdom_intro_entry e = {
        .state = present ? XSDOM_ENTRY_PRESENT : XSDOM_ENTRY_ABSENT,
        .domid = d->domain_id,
        .store_port = d->hvm_params[HVM_PARAM_STORE_EVTCHN],
        .store_gfn = d->hvm_params[HVM_PARAM_STORE_PFN],
    };
    uint64_t at = XSDOM_INTRO_GPA + offsetof(struct xsdom_intro, entry[d->domain_id - 1]);
    uint32_t zero = 0;

    if (d->domain_id < 1 || d->domain_id > XSDOM_INTRO_MAX)
        return;
    strlcpy(e.name, d->name, sizeof(e.name));
    if (++gen == 0)
        gen = 1;
    e.gen = gen;
    _Static_assert(sizeof(hdr) == offsetof(struct xsdom_intro, entry), "xsdom_intro header");
    p2m_write_phys(xs, XSDOM_INTRO_GPA, hdr, sizeof(hdr));
    p2m_write_phys(xs, at, &zero, sizeof(zero));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    p2m_write_phys(xs, at + sizeof(e.gen), (const char *)&e + sizeof(e.gen),
                   sizeof(e) - sizeof(e.gen));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    p2m_write_phys(xs, at, &e.gen, sizeof(e.gen));
    send_guest_global_virq(xs, VIRQ_DOM_EXC);
}

/* Give a built domain its store page and port, and introduce it. */
static void xenstore_connect(struct domain *d)
{
    struct domain *xs = xenstore_domain();
    unsigned long gfn = DOMAIN_STORE_GFN(d);
    void *page;
    long port;

    if (!xs || d->is_xenstore || !(page = gfn_to_virt(d, gfn)))
        return;
    port = evtchn_alloc_unbound_port(d, xs->domain_id);
    if (port < 0) {
        printk(XENLOG_ERR "domain d%u '%s': no port for the store ring (%ld)\n", d->domain_id,
               d->name, port);
        return;
    }
    memset(page, 0, PAGE_SIZE);
    d->hvm_params[HVM_PARAM_STORE_PFN] = gfn;
    d->hvm_params[HVM_PARAM_STORE_EVTCHN] = port;
    xenstore_intro_update(xs, d, true);
}

/* d loses its ring (destroyed or about to be rebuilt). */
static void xenstore_disconnect(struct domain *d)
{
    struct domain *xs = xenstore_domain();

    if (xs && xs != d && d->hvm_params[HVM_PARAM_STORE_PFN])
        xenstore_intro_update(xs, d, false);
}

/* The domain's own modules go at the top of its RAM, in order, page
 * aligned, below the special pages (console and store rings). */
static const char *load_modules(struct domain *d)
{
    uint64_t total = 0, at, special = (uint64_t)DOMAIN_SPECIAL_PAGES << PAGE_SHIFT;

    for (unsigned int i = 0; i < d->nr_modules; i++)
        total += (d->modules[i].size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    if (total + special > d->mem_bytes || d->mem_bytes - special - total < d->image_end)
        return "its modules do not fit in its memory above the kernel image";
    at = d->mem_bytes - special - total;
    for (unsigned int i = 0; i < d->nr_modules; i++) {
        struct domain_module *m = &d->modules[i];

        m->gpa = at;
        if (p2m_write_phys(d, at, m->data, m->size))
            return "a module could not be copied into its memory";
        at += (m->size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    }
    return NULL;
}

/* Memory, image, vCPUs: everything but starting it. Returns NULL or why not. */
static const char *domain_build(struct domain *d)
{
    const char *err;

    domtime_mark(d, DOMTIME_BUILD);
    if (p2m_populate(d, d->mem_bytes))
        return "out of memory for the domain's RAM";
    domtime_mark(d, DOMTIME_POPULATED);
    err = elf_load_pvh(d, d->image, d->image_size, &d->entry);
    if (!err)
        err = load_modules(d);
    if (err)
        return err;
    write_start_info(d);
    domtime_mark(d, DOMTIME_LOADED);
    d->tsc_base = rdtsc();
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (!v) {
            v = xzalloc(struct vcpu);
            if (!v)
                return "out of memory for vCPUs";
            v->vcpu_id = i;
            v->domain = d;
            v->processor = (d->domain_id + i) % nr_cpus_online;
            d->vcpus[i] = v;
        } else if (v->arch_hvm)
            hvm_funcs->vcpu_destroy(v);
        v->up = i == 0;
        v->initialised = false; /* vCPU 0's start state is the build's */
        v->blocked = v->pause = false;
        v->fpu_initialised = false;
        v->vcpu_info_registered = false;
        v->runstate_guest = 0;
        v->upcall_vector = 0;
        v->wait_for_sipi = false;
        v->runstate = i == 0 ? RUNSTATE_runnable : RUNSTATE_offline;
        if (hvm_funcs->vcpu_initialise(v))
            return "out of memory for the vCPU state";
        if (i == 0)
            hvm_funcs->vcpu_set_entry(v, d->entry, d->start_info_gpa);
        sched_add_vcpu(v);
    }
    domain_watchdogs_init(d);
    err = domain_extra_init(d);
    if (!err && console_ring_setup(d))
        err = "no room for the console ring or its event channel";
    domtime_mark(d, err ? DOMTIME_BUILD : DOMTIME_READY);
    return err;
}

static void domain_free_resources(struct domain *d)
{
    xenstore_disconnect(d);
    console_ring_teardown(d);
    /* Timers of this incarnation must not fire into the next one. */
    domain_watchdogs_kill(d);
    domain_extra_destroy(d);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        sched_remove_vcpu(v);
        if (v->arch_hvm)
            hvm_funcs->vcpu_destroy(v);
    }
    p2m_teardown(d);
}

static struct domain *domain_alloc(unsigned int id)
{
    struct domain *d = xzalloc(struct domain);

    if (!d)
        return NULL;
    d->domain_id = id;
    d->lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->console_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->evtchn_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->grant_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->p2m_lock = (spinlock_t)SPIN_LOCK_UNLOCKED;
    d->mem_bytes = opt_dom_mem;
    d->nr_vcpus = 1;
    d->weight = 256;
    d->on_poweroff = ACTION_DESTROY;
    d->on_reboot = ACTION_RESTART;
    d->on_crash = ACTION_DESTROY;
    d->on_watchdog = ACTION_DESTROY;
    d->on_soft_reset = ACTION_RESTART;
    d->shared_info_gfn = ~0UL;
    snprintf(d->name, sizeof(d->name), "d%u", id);
    return d;
}

static void domain_refuse(struct domain *d, const char *why, const char *what)
{
    printk(XENLOG_ERR "domain d%u '%s' refused: %s%s%s\n", d->domain_id, d->name, why,
           what && *what ? ": " : "", what ? what : "");
    d->state = DOMSTATE_DEAD;
    d->shutdown_reason = EXIT_REFUSED;
}

/* The value of a module's module_of= setting (before any "--"), copied to
 * name; false if it has none. */
static bool module_owner(const char *cmdline, char *name, size_t len)
{
    const char *s = cmdline;

    while (*s) {
        size_t n;

        while (*s == ' ')
            s++;
        if (s[0] == '-' && s[1] == '-' && (s[2] == ' ' || !s[2]))
            return false;
        n = 0;
        while (s[n] && s[n] != ' ')
            n++;
        if (n >= 10 && !strncmp(s, "module_of=", 10)) {
            size_t v = n - 10 < len - 1 ? n - 10 : len - 1;

            memcpy(name, s + 10, v);
            name[v] = '\0';
            return true;
        }
        s += n;
    }
    return false;
}

/* Module i says module_of=NAME: it goes to domain NAME as its next PVH
 * module, with its command line less the module_of= word. */
static void module_attach(unsigned int i, const char *name)
{
    const struct boot_module *m = &boot_info.modules[i];
    struct domain *d = NULL;
    struct domain_module *dm;
    const char *s = m->cmdline;
    size_t used = 0;

    for (unsigned int j = 0; j < nr_domains && !d; j++)
        if (!strcmp(domain_list[j]->name, name) && domain_list[j]->state != DOMSTATE_DEAD)
            d = domain_list[j];
    if (!d) {
        printk(XENLOG_ERR "module %u (%s) dropped: module_of=%s names no domain of this boot\n", i,
               m->cmdline, name);
        return;
    }
    if (d->nr_modules == MAX_DOMAIN_MODULES) {
        printk(XENLOG_ERR "module %u (%s) dropped: domain '%s' has %u modules already\n", i,
               m->cmdline, name, MAX_DOMAIN_MODULES);
        return;
    }
    dm = &d->modules[d->nr_modules++];
    dm->data = __va(m->start);
    dm->size = m->size;
    dm->cmdline[0] = '\0';
    while (*s) {
        size_t n = 0;

        while (*s == ' ')
            s++;
        while (s[n] && s[n] != ' ')
            n++;
        if (n && strncmp(s, "module_of=", 10) && used + n + 2 < sizeof(dm->cmdline)) {
            if (used)
                dm->cmdline[used++] = ' ';
            memcpy(dm->cmdline + used, s, n);
            used += n;
            dm->cmdline[used] = '\0';
        }
        s += n;
    }
    printk("module %u (%s) given to domain d%u '%s' as its module %u\n", i, m->cmdline,
           d->domain_id, d->name, d->nr_modules - 1);
}

int domains_boot(void)
{
    int started = 0;
    unsigned int next_id = 1;
    char owner[DOMAIN_NAME_LEN];

    memcheck_snapshot();
    /* Domains first (a module that says module_of= is none, and takes no
     * domain id), then their modules, then the builds. */
    for (unsigned int i = 0; i < boot_info.nr_modules && next_id <= MAX_DOMAINS; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        struct domain *d;
        char bad[64] = "";
        const char *err;

        if (module_owner(m->cmdline, owner, sizeof(owner)))
            continue;
        d = domain_alloc(next_id++);
        if (!d) {
            printk(XENLOG_ERR "module %u: out of memory for a domain\n", i);
            continue;
        }
        domain_list[nr_domains++] = d;
        d->created_at = NOW();
        err = parse_module_cmdline(d, m->cmdline, bad, sizeof(bad));
        if (err) {
            domain_refuse(d, err, bad);
            continue;
        }
        d->image = __va(m->start);
        d->image_size = m->size;
    }
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        if (module_owner(boot_info.modules[i].cmdline, owner, sizeof(owner)))
            module_attach(i, owner);
    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];
        const char *err;

        if (d->state == DOMSTATE_DEAD)
            continue;
        err = domain_build(d);
        if (err) {
            domain_free_resources(d);
            domain_refuse(d, err, NULL);
            continue;
        }
        printk("domain d%u '%s' created: %lu MiB, %u vCPU%s%s, entry %#lx\n", d->domain_id, d->name,
               (unsigned long)(d->mem_bytes >> 20), d->nr_vcpus, d->nr_vcpus > 1 ? "s" : "",
               d->privileged ? ", privileged" : "", (unsigned long)d->entry);
        started++;
    }
    if (boot_info.nr_modules > MAX_DOMAINS)
        printk(XENLOG_ERR "%u modules given, at most %u domains: the rest are ignored\n",
               boot_info.nr_modules, MAX_DOMAINS);
    return started;
}

void domains_start(void)
{
    struct domain *xs = xenstore_domain();

    /* The xenstore domain learns of every other one and starts first. */
    for (unsigned int i = 0; xs && i < nr_domains; i++)
        if (domain_list[i]->state == DOMSTATE_CREATED)
            xenstore_connect(domain_list[i]);
    for (unsigned int pass = 0; pass < 2; pass++)
        for (unsigned int i = 0; i < nr_domains; i++) {
            struct domain *d = domain_list[i];

            if (d->state != DOMSTATE_CREATED || (pass == 0) != (d == xs))
                continue;
            d->state = DOMSTATE_RUNNING;
            vcpu_wake(d->vcpus[0]);
        }
    /* A boot whose every module was refused is finished already. */
    domain_check_all_finished();
}

/* --- ending --- */

static bool domain_alive(const struct domain *d)
{
    return d->state == DOMSTATE_CREATED || d->state == DOMSTATE_RUNNING ||
           d->state == DOMSTATE_PAUSED || d->state == DOMSTATE_DYING;
}

void domain_check_all_finished(void)
{
    static bool done;
    bool all_ok = true;
    unsigned long flags;

    flags = spin_lock_irqsave(&domlist_lock);
    for (unsigned int i = 0; i < nr_domains; i++)
        if (domain_alive(domain_list[i])) {
            spin_unlock_irqrestore(&domlist_lock, flags);
            return;
        }
    if (done) {
        spin_unlock_irqrestore(&domlist_lock, flags);
        return;
    }
    done = true;
    spin_unlock_irqrestore(&domlist_lock, flags);

    printk("all domains finished\n");
    page_reclaim_all(); /* frames of the last domains destroyed */
    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];
        printk("summary: d%u '%s' %s\n", d->domain_id, d->name,
               shutdown_reason_name(d->shutdown_reason));
        if (d->shutdown_reason != SHUTDOWN_poweroff)
            all_ok = false;
    }
    exit_time_print();
    memcheck_report();
    if (opt_exit_on_idle)
        machine_power_off(all_ok ? EXIT_SUCCESS_VALUE : EXIT_FAILURE_VALUE);
}

/* Called once no vCPU of the dying domain is on a pCPU or queued. */
void domain_finish(struct domain *d)
{
    enum domain_action act;
    const char *err;

    switch (d->shutdown_reason) {
    case SHUTDOWN_poweroff:
        act = d->on_poweroff;
        break;
    case SHUTDOWN_reboot:
    case SHUTDOWN_suspend: /* no toolstack to save and resume it */
        act = d->on_reboot;
        break;
    case SHUTDOWN_watchdog:
        act = d->on_watchdog;
        break;
    case SHUTDOWN_soft_reset:
        act = d->on_soft_reset;
        break;
    default: /* crash, crashed by the hypervisor */
        act = d->on_crash;
        break;
    }
    switch (act) {
    case ACTION_PRESERVE:
        d->state = DOMSTATE_SHUTDOWN;
        printk("domain d%u '%s' preserved\n", d->domain_id, d->name);
        break;
    case ACTION_RESTART:
        domtime_mark(d, DOMTIME_DESTROY);
        domain_free_resources(d);
        domtime_mark(d, DOMTIME_DESTROYED);
        d->restarts++;
        d->console_len = 0;
        d->console_line_hcall = false;
        memset(d->hvm_params, 0, sizeof(d->hvm_params));
        d->hypercall_page_gpa = 0;
        d->shared_info_gfn = ~0UL;
        d->shutdown_code_set = false;
        err = domain_build(d);
        if (err) {
            domain_free_resources(d);
            printk(XENLOG_ERR "domain d%u '%s' restart failed: %s\n", d->domain_id, d->name, err);
            d->state = DOMSTATE_DEAD;
            break;
        }
        xenstore_connect(d);
        printk_nowait("domain d%u '%s' restarted (%u)\n", d->domain_id, d->name, d->restarts);
        d->state = DOMSTATE_RUNNING;
        vcpu_wake(d->vcpus[0]);
        return;
    case ACTION_DESTROY:
        domtime_mark(d, DOMTIME_DESTROY);
        domain_free_resources(d);
        domtime_mark(d, DOMTIME_DESTROYED);
        d->state = DOMSTATE_DEAD;
        printk("domain d%u '%s' destroyed\n", d->domain_id, d->name);
        break;
    }
    d->finished_at = NOW();
    domain_check_all_finished();
}

static void domain_end(struct domain *d, unsigned int reason)
{
    unsigned long flags = spin_lock_irqsave(&d->lock);

    if (d->state != DOMSTATE_RUNNING && d->state != DOMSTATE_PAUSED) {
        spin_unlock_irqrestore(&d->lock, flags);
        return; /* already ending */
    }
    d->state = DOMSTATE_DYING;
    d->shutdown_reason = reason;
    spin_unlock_irqrestore(&d->lock, flags);
    if (d->console_len)
        domain_console_put(d, "\n", 1, false);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            vcpu_kick(d->vcpus[i]);
    sched_domain_dying(d);
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    printk("domain d%u '%s' shutdown: %s\n", d->domain_id, d->name, shutdown_reason_name(reason));
    /* A guest that reports its own crash may have died of something done
     * to it: its vCPUs' recent exits say what. */
    if (reason == SHUTDOWN_crash)
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i] && d->vcpus[i]->arch_hvm) {
                printk("  d%u v%u%s:\n", d->domain_id, i, d->vcpus[i]->running ? " (running)" : "");
                hvm_funcs->dump(d->vcpus[i]);
            }
    domain_end(d, reason);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char why[160];
    va_list args;

    va_start(args, fmt);
    vsnprintf(why, sizeof(why), fmt, args);
    va_end(args);
    printk(XENLOG_ERR "domain d%u '%s' crashed: %s\n", d->domain_id, d->name, why);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && d->vcpus[i]->arch_hvm && d->vcpus[i]->running &&
            d->vcpus[i]->processor == smp_processor_id())
            hvm_funcs->dump(d->vcpus[i]);
    domain_end(d, EXIT_CRASHED_BY_XEN);
}

static void dump_domains(char key)
{
    static const char *const states[] = {"created",  "running", "paused",
                                         "shutdown", "dying",   "dead"};

    printk("Domains (%u):\n", nr_domains);
    for (unsigned int i = 0; i < nr_domains; i++) {
        struct domain *d = domain_list[i];

        printk(" d%u '%s' %s%s, %lu MiB, %u vCPUs, %lu pages (+%lu table), %lu exits, %lu "
               "hypercalls, end: %s\n",
               d->domain_id, d->name, states[d->state], d->privileged ? " privileged" : "",
               (unsigned long)(d->mem_bytes >> 20), d->nr_vcpus, d->tot_pages, d->p2m_pages,
               (unsigned long)d->exits, (unsigned long)d->hypercalls,
               domain_alive(d) ? "-" : shutdown_reason_name(d->shutdown_reason));
        for (unsigned int j = 0; j < d->nr_vcpus; j++) {
            struct vcpu *v = d->vcpus[j];
            if (v)
                printk("   vCPU%u on CPU%u: %s%s%s\n", j, v->processor, v->up ? "up" : "down",
                       v->blocked ? " blocked" : "", v->running ? " running" : "");
        }
    }
}
register_keyhandler('q', dump_domains, "dump domains and their vCPUs");
