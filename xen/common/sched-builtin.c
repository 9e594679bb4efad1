/* The schedulers of xen/common/sched/ built into the hypervisor as one
 * object: that directory is freestanding (its files share the host tests in
 * xen/test/sched/), and the hypervisor build compiles the .c files of xen/common/. The
 * scheduling core that drives them is xen/common/schedule.c. */
#include "sched/registry.c"
#include "sched/params.c"
#include "sched/credit2.c"
#include "sched/null.c"
#include "sched/rtds.c"
#include "sched/arinc653.c"
