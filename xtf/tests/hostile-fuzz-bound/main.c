/**
 * @file
 * The hostile-guest fuzzer held to the 1 ms exit bound.  Bug class: a
 * hypercall whose work grows with guest input (a count over RAM, a long
 * batch) running to its end in one exit.  The same fuzzer as hostile-fuzz
 * (../hostile-fuzz/fuzz.h says what it does and how to replay a seed), with
 * huge counts over RAM as well (FUZZ_LONG_WORK), for 20 s on one pCPU with
 * QEMU's instruction-counting clock (@clock icount) and
 * exit_time_limit_us=1000: the hypervisor crashes the domain whose exit took
 * more than 1 ms of its own work, which the runner reports as a CRASH naming
 * the exit.  Each hypercall must still get a value or an errno, and the
 * bystander succeed.
 *
 * @category security
 * @alone a fuzzer: what it breaks must show in its own result
 * @envs hvm64
 * @needs hypervisor
 * @domain vcpus=4 mem=16M
 * @smp 1
 * @clock icount
 * @xen-cmdline exit_time_limit_us=1000
 * @timeout 150
 * @companion bystander
 */
#define FUZZ_SECONDS   20
#define FUZZ_LONG_WORK 1 /* huge counts over RAM too: they must yield */
#include "../hostile-fuzz/fuzz.h"

const char test_title[] = "Hostile-guest fuzzer (1 ms exit bound)";
