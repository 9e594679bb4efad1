/* Debug keys. Handlers registered with register_keyhandler() run when their
 * key is typed after switching serial input to the hypervisor. */
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/power.h>
#include <xen/time.h>
#include <xen/version.h>

extern const struct keyhandler __keyhandler_start[], __keyhandler_end[];

bool keyhandler_exists(char key)
{
    for (const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++)
        if (k->key == key)
            return true;
    return false;
}

void handle_keypress(char key)
{
    for (const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++)
        if (k->key == key) {
            printk("'%c' pressed -> %s\n", key, k->desc);
            k->fn(key);
            return;
        }
    printk("'%c' (%#x): no such debug key; 'h' lists them\n", key >= ' ' ? key : '?', key);
}

static void show_help(char key)
{
    for (const struct keyhandler *k = __keyhandler_start; k < __keyhandler_end; k++)
        printk(" '%c' %s\n", k->key, k->desc);
}
register_keyhandler('h', show_help, "list the debug keys");

static void dump_memory(char key)
{
    unsigned long counts[MAX_ORDER + 1];

    page_alloc_counts(counts);
    printk("Memory: %lu of %lu pages free (%lu MiB of %lu MiB)\n", total_free_pages(),
           total_heap_pages(), total_free_pages() >> 8, total_heap_pages() >> 8);
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        if (counts[o])
            printk("  order %2u: %lu free blocks\n", o, counts[o]);
}
register_keyhandler('m', dump_memory, "dump memory (frame allocator) state");

static void dump_timers_key(char key)
{
    dump_timers();
}
register_keyhandler('a', dump_timers_key, "dump timers");

static void show_version(char key)
{
    printk("Xen %s, changeset %s, build id %s, %s, %s\n", xen_version_string(), xen_changeset(),
           xen_build_id_string(), xen_compiler(), xen_build_opts());
}
register_keyhandler('v', show_version, "show version and build id");

static void reboot_key(char key)
{
    machine_restart();
}
register_keyhandler('R', reboot_key, "reboot the machine");
