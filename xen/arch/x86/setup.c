/* The boot CPU's path from the loader to a running system. Each step names
 * what it needs; bad boot input stops with a message on the serial console. */
#include <xen/acpi.h>
#include <xen/bootinfo.h>
#include <xen/console.h>
#include <xen/coverage.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/param.h>
#include <xen/power.h>
#include <xen/string.h>
#include <xen/symbols.h>
#include <xen/time.h>
#include <xen/version.h>
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/stack.h>
#include <asm/traps.h>
#include <asm/hvm/hvm.h>
#include <xen/sched.h>
#include <xen/subsys.h>

struct boot_info boot_info;
extern const struct param __param_start[], __param_end[];
extern char __image_start[], __image_end[];
extern char boot_stack[];

extern bool opt_debug_exit_set;
bool opt_exit_on_idle;
boolean_param("exit_on_idle", opt_exit_on_idle);
static const char *const crash_names[] = {"none",        "panic",         "ud2", "pagefault",
                                          "doublefault", "stackoverflow", NULL};
static unsigned int opt_debug_crash;
enum_param("debug_crash", opt_debug_crash, crash_names);
static uint64_t opt_min_memory = 16ULL << 20;
size_param("min_memory", opt_min_memory);

void percpu_init(unsigned int cpu);
void smp_boot_cpus(void);
void timers_init(void);
void power_postparse(void);
void power_early_parse(const char *cmdline);
int domains_boot(void); /* common/domain.c: domains from boot modules */
void domains_start(void);
void idle_loop(void);
void hvm_start_cpus(void);

static void __noreturn boot_fail(const char *what);

/* The loader's strings live in memory the allocator will reuse: copy them. */
static char cmdline_copy[1024];
static char module_cmdlines[65536];

/* Whether [s, e) holds a '=' (a setting, not a file name). */
static bool word_has_eq(const char *s, const char *e)
{
    for (; s < e; s++)
        if (*s == '=')
            return true;
    return false;
}

/* Whether [s, e) is an option rather than the image's file name. */
static bool is_option_word(const char *s, const char *e)
{
    if (word_has_eq(s, e))
        return true;
    for (const struct param *p = __param_start; p < __param_end; p++)
        if (strlen(p->name) == (size_t)(e - s) && !strncmp(p->name, s, e - s))
            return true;
    return false;
}

/* A module whose data begins with this line is a table of the other
 * modules' settings, one "INDEX SETTINGS" line each (INDEX counts the
 * loader's modules from 0, the table included). It is for loaders that keep
 * little room for command lines: iPXE's multiboot puts every command line,
 * each after its file's URL, into 512 bytes, and cuts what does not fit.
 * The table's settings replace what the loader gave after the file name. */
#define MODULE_TABLE_MAGIC "#xen-module-settings\n"

struct module_settings {
    const char *s;
    size_t n;
};

static struct module_settings table_settings[MAX_MODULES];

/* Read the first table among the modules into table_settings[]; returns its
 * index, or nr_modules when there is none. A bad line is reported with its
 * number and skipped: its module keeps what the loader gave. */
static unsigned int read_module_table(void)
{
    const size_t ml = sizeof(MODULE_TABLE_MAGIC) - 1;
    unsigned int t, line = 1;
    const char *p, *end;

    for (t = 0; t < boot_info.nr_modules; t++) {
        const struct boot_module *m = &boot_info.modules[t];

        if (m->size >= ml && !memcmp((const char *)(uintptr_t)m->start, MODULE_TABLE_MAGIC, ml))
            break;
    }
    if (t == boot_info.nr_modules)
        return t;
    p = (const char *)(uintptr_t)boot_info.modules[t].start + ml;
    end = (const char *)(uintptr_t)boot_info.modules[t].start + boot_info.modules[t].size;
    while (p < end) {
        const char *eol = p, *q = p;
        unsigned long idx = 0;

        line++;
        while (eol < end && *eol != '\n')
            eol++;
        while (q < eol && *q >= '0' && *q <= '9' && idx < MAX_MODULES)
            idx = idx * 10 + (unsigned long)(*q++ - '0');
        if (eol == p || *p == '#') {
            /* an empty line or a comment */
        } else if (q == p || q == eol || *q != ' ') {
            printk(XENLOG_ERR "boot: module table (module %u) line %u: expected "
                              "'INDEX SETTINGS'; line ignored\n",
                   t, line);
        } else if (idx >= boot_info.nr_modules || idx == t) {
            printk(XENLOG_ERR "boot: module table (module %u) line %u: no module %lu to set "
                              "(modules 0-%u, the table is %u); line ignored\n",
                   t, line, idx, boot_info.nr_modules - 1, t);
        } else if (table_settings[idx].s) {
            printk(XENLOG_ERR "boot: module table (module %u) line %u: module %lu set twice; "
                              "the first line is kept\n",
                   t, line, idx);
        } else {
            table_settings[idx].s = q + 1;
            table_settings[idx].n = (size_t)(eol - q - 1);
        }
        p = eol + 1;
    }
    printk("boot: module %u is a table of module settings\n", t);
    return t;
}

static void copy_loader_strings(void)
{
    size_t used = 0;
    const char *s = boot_info.cmdline;
    unsigned int table;

    /* Loaders put the image's own file name first: drop it. */
    if (*s && *s != ' ') {
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        if (!is_option_word(s, e))
            s = e;
    }
    while (*s == ' ')
        s++;
    if (strlen(s) >= sizeof(cmdline_copy)) {
        static char msg[96];

        snprintf(msg, sizeof(msg), "the command line is %zu bytes long, at most %zu fit", strlen(s),
                 sizeof(cmdline_copy) - 1);
        boot_fail(msg); /* cut, it could lose any option: refused whole */
    }
    strlcpy(cmdline_copy, s, sizeof(cmdline_copy));
    boot_info.cmdline = cmdline_copy;
    table = read_module_table();
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const char *m = boot_info.modules[i].cmdline, *word_end = m, *base = m;
        const struct module_settings *ts = &table_settings[i];
        size_t n;

        /* The loader's file name comes first; only its last component is
         * used (the default domain name), so the directories are dropped. */
        while (*word_end && *word_end != ' ')
            word_end++;
        for (const char *p = m; p < word_end; p++)
            if (*p == '/')
                base = p + 1;
        if (word_has_eq(m, word_end))
            base = word_end = m;
        /* The file name, then the table's settings or the loader's. */
        n = (size_t)(word_end - base) + (ts->s ? 1 + ts->n : strlen(word_end)) + 1;
        if (used + n > sizeof(module_cmdlines)) {
            printk(XENLOG_ERR "boot: module command lines exceed %zu bytes; module %u dropped\n",
                   sizeof(module_cmdlines), i);
            boot_info.modules[i].cmdline = "";
            boot_info.modules[i].size = 0; /* refused rather than built without its settings */
            continue;
        }
        boot_info.modules[i].cmdline = module_cmdlines + used;
        memcpy(module_cmdlines + used, base, (size_t)(word_end - base));
        used += (size_t)(word_end - base);
        if (ts->s) {
            if (*word_end)
                printk(XENLOG_WARNING "boot: module %u: the table's settings replace the "
                                      "loader's '%s'\n",
                       i, word_end);
            module_cmdlines[used++] = ' ';
            memcpy(module_cmdlines + used, ts->s, ts->n);
            used += ts->n;
        } else {
            memcpy(module_cmdlines + used, word_end, strlen(word_end));
            used += strlen(word_end);
        }
        module_cmdlines[used++] = '\0';
    }
    if (table < boot_info.nr_modules) {
        /* The table is no domain: the modules after it move up one. */
        memmove(&boot_info.modules[table], &boot_info.modules[table + 1],
                (boot_info.nr_modules - table - 1) * sizeof(boot_info.modules[0]));
        boot_info.nr_modules--;
    }
}

/* A loader that ignored the image's BSS may have put a module inside it;
 * the BSS was cleared at entry, so such a module is lost: say so, and let
 * the domain built from it be refused. */
static void check_module_placement(void)
{
    paddr_t s = (paddr_t)(uintptr_t)__image_start, e = (paddr_t)(uintptr_t)__image_end;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        struct boot_module *m = &boot_info.modules[i];

        if (m->start < e && m->start + m->size > s) {
            printk(XENLOG_ERR "boot: module %u (%#lx+%#lx) overlaps the hypervisor image "
                              "%#lx-%#lx: the loader ignored its memory size; module dropped\n",
                   i, (unsigned long)m->start, (unsigned long)m->size, (unsigned long)s,
                   (unsigned long)e);
            m->size = 0;
        }
    }
}

static char understood[1024];
static size_t understood_len;

static void param_warn(void *ctx, const char *option, const char *problem)
{
    printk(XENLOG_WARNING "command line: '%s': %s; default kept\n", option, problem);
}

static void param_understood(void *ctx, const char *option)
{
    understood_len +=
        snprintf(understood + understood_len,
                 understood_len < sizeof(understood) ? sizeof(understood) - understood_len : 0,
                 "%s%s", understood_len ? " " : "", option);
    if (understood_len >= sizeof(understood))
        understood_len = sizeof(understood) - 1;
}

static void param_repeated(void *ctx, const char *option, const char *earlier)
{
    printk(XENLOG_WARNING "command line: '%s' repeats '%s'; the last one is taken\n", option,
           earlier);
}

static void __noreturn boot_fail(const char *what)
{
    printk(XENLOG_ERR "\n**** Cannot boot: %s\n", what);
    if (opt_debug_exit_set) {
        printk(XENLOG_ERR "**** Powering off (debug_exit)\n");
        machine_power_off(EXIT_FAILURE_VALUE);
    }
    printk(XENLOG_ERR "**** Halting. Check the boot loader configuration.\n");
    halt_forever();
}

static void print_memory_map(void)
{
    uint64_t ram = 0;

    printk("Memory map from %s (%s):\n", boot_info.loader,
           boot_info.loader_name ? boot_info.loader_name : "unknown loader");
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct memmap_entry *e = &boot_info.memmap[i];
        static const char *const types[] = {"?",         "RAM",      "reserved",
                                            "ACPI data", "ACPI NVS", "unusable"};
        printk(" %016lx - %016lx %s\n", (unsigned long)e->addr, (unsigned long)(e->addr + e->size),
               e->type < ARRAY_SIZE(types) ? types[e->type] : "other");
        if (e->type == E820_RAM)
            ram += e->size;
    }
    printk("Memory: %lu MiB of RAM\n", (unsigned long)(ram >> 20));
    if (ram < opt_min_memory) {
        char msg[96];
        snprintf(msg, sizeof(msg), "too little memory: %lu MiB of RAM, at least %lu MiB needed",
                 (unsigned long)(ram >> 20), (unsigned long)(opt_min_memory >> 20));
        boot_fail(msg);
    }
}

static void debug_crash(void)
{
    switch (opt_debug_crash) {
    case 1:
        panic("debug_crash=panic requested on the command line");
    case 2:
        asm volatile("ud2");
        break;
    case 3: {
        /* The NULL page is unmapped; hide the address from the optimiser. */
        volatile int *p;
        asm volatile("mov $8, %0" : "=r"(p));
        *p = 1;
    } break;
    case 4:
        /* Overflow the stack into the unmapped page below it: #PF cannot be
         * delivered, so #DF on its own stack must report. */
        asm volatile("mov %0, %%rsp; pushq $0" : : "r"((unsigned long)0x1000) : "memory");
        break;
    case 5:
        /* What a frame deeper than the stack does: write over its bottom
         * (nothing faults: the memory below is mapped); the guard must tell. */
        memset((void *)(per_cpu(0)->stack_top - STACK_SIZE), 0, 64);
        stack_guard_check();
        break;
    }
}

void __start_xen(uint32_t magic, uint32_t info)
{
    const char *err;

    percpu_init(0);
    per_cpu(0)->stack_top = (unsigned long)boot_stack + STACK_SIZE;
    stack_guard_init_self();
    console_init_early();
    trap_init();

    err = multiboot_parse(magic, info, &boot_info);
    power_early_parse(boot_info.cmdline); /* set even when the rest is refused */
    if (err)
        boot_fail(err);
    copy_loader_strings();
    check_module_placement();
    cmdline_parse(boot_info.cmdline, __param_start, __param_end,
                  &(struct param_report){param_warn, param_understood, NULL, param_repeated});
    console_init_postparse();
    power_postparse();
#ifdef CONFIG_COVERAGE
    coverage_init(); /* counters of the code above count all the same */
#endif

    printk("Xen version %s (%s) %s\n", xen_version_string(), xen_compiler(), xen_build_opts());
    printk("Changeset %s, build id %s\n", xen_changeset(), xen_build_id_string());
    printk("features: %s\n", xen_features());
    printk("Command line: %s\n", boot_info.cmdline);
    printk("Command line understood: %s\n", understood_len ? understood : "(defaults)");

    print_memory_map();
    paging_init();
    printk("Frame allocator: %lu pages free of %lu, image %#lx-%#lx\n", total_free_pages(),
           max_page, (unsigned long)__image_start, (unsigned long)__image_end);
    percpu_traps_init(0);

    err = acpi_init(boot_info.rsdp);
    if (err)
        printk(XENLOG_WARNING "ACPI: %s; assuming one CPU, no ACPI power off\n", err);
    else
        printk("ACPI: RSDP %#lx, %u CPUs, %u IOAPICs, S5 %s, reset register %s\n",
               (unsigned long)acpi.rsdp, acpi.nr_cpus, acpi.nr_ioapics,
               acpi.s5_found ? "found" : "missing", acpi.reset_supported ? "yes" : "no");

    apic_init_bsp();
    printk("APIC: %s mode, boot CPU APIC id %u\n", apic_x2apic_mode() ? "x2APIC" : "xAPIC",
           apic_read_id());
    timers_init();
    time_init();
    local_irq_enable();

    smp_boot_cpus();
    printk("SMP: %u CPUs online\n", nr_cpus_online);
    for (unsigned int c = 0; c < NR_CPUS; c++)
        if (per_cpu(c)->online)
            printk(" CPU%u: APIC id %u\n", c, per_cpu(c)->apic_id);

    debug_crash();

    schedule_init();
    if (hvm_init())
        printk(XENLOG_WARNING "HVM: no AMD SVM on this CPU: domains cannot run\n");
    else
        hvm_start_cpus();
    foreign_map_init();
    domains_boot();
#ifdef CONFIG_COVERAGE
    coverage_ready();
#endif
    printk("ready\n");
    if (nr_domains == 0 && opt_exit_on_idle) {
        printk("all domains finished\n");
        printk("no domains were started: powering off\n");
        machine_power_off(EXIT_SUCCESS_VALUE);
    }
    domains_start();
    idle_loop();
}
