/* The framework's C entry: set up the environment, print the banner, run the test. */
#include <xtf.h>

void arch_setup(void);

void __noreturn xtf_main(void)
{
    arch_setup();

    printk("--- Xen Test Framework ---\n");
    printk("Environment: %s\n", environment_description);
    if (xen_present)
        printk("Hypervisor: Xen %u.%u (CPUID base %#x)\n", xen_version_major, xen_version_minor,
               xen_cpuid_base);
    else {
        printk("Hypervisor: none found, running bare\n");
        /* QEMU's firmware leaves the 8259s set up for its own timer: IRQ 0
         * at vector 8 through LINT0 as soon as a test enables interrupts.
         * Nothing here owns them, so mask both (OCW1, all lines). */
        outb(0xff, 0x21);
        outb(0xff, 0xa1);
    }
    if (test_variation[0])
        printk("Variation: %s\n", test_variation);
    printk("%s\n", test_title);

    test_main();
    xtf_exit();
}
