/* Debug keys: single keys typed on the serial console after switching input
 * to the hypervisor (Ctrl-A three times). Files register handlers with
 * register_keyhandler(); the linker gathers them. */
#ifndef XEN_KEYHANDLER_H
#define XEN_KEYHANDLER_H

#include <xen/types.h>

struct keyhandler {
    char key;
    void (*fn)(char key);
    const char *desc;
};

#define register_keyhandler(k, f, d)                                                               \
    static const struct keyhandler __keyhandler_##f __used __section(".data.keyhandler")           \
        __aligned(8) = {k, f, d}

void handle_keypress(char key);
bool keyhandler_exists(char key);

#endif
