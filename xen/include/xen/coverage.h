/* The hypervisor's side of coverage (COVERAGE=y): boot hooks and the
 * coverage_op sysctl, implemented in common/coverage/channel.c. The runtime
 * and the dump format are in <xen/gcov.h>. */
#ifndef XEN_COVERAGE_H
#define XEN_COVERAGE_H

#include <xen/types.h>

struct vcpu;
struct xen_sysctl_coverage_op;

/* Run the compiler's constructors (each registers one object) and set up
 * the dump channel; after the command line is parsed. */
void coverage_init(void);

/* Just before the domains start: `coverage=reset-boot` and `coverage=boot`. */
void coverage_ready(void);

/* XEN_SYSCTL_coverage_op for a privileged caller: 0 or -errno. */
long coverage_sysctl(struct vcpu *v, struct xen_sysctl_coverage_op *op);

#endif
