/**
 * @file
 * The hostile-guest fuzzer, short run (about 20 s).  Bug class: anything a
 * guest can do through hypercalls, MSRs, CPUID, port I/O and MMIO that
 * crashes or hangs the host, hurts another domain or leaks memory.  Four
 * vCPUs fuzz for 20 s beside a bystander domain that checks its own
 * hypercalls; the fuzzer must finish with every hypercall answered by a
 * value or an errno, the bystander must succeed, and the runner's leak check
 * must find no frame left owned.  The seed is printed (see fuzz.h to replay).
 * It boots with its bystander only (@alone), so that what it breaks shows
 * in its own result, not in another test's.
 *
 * @category security
 * @alone a fuzzer: what it breaks must show in its own result
 * @envs hvm64 hvm32pae
 * @needs hypervisor
 * @domain vcpus=4 mem=16M
 * @smp 3
 * @timeout 150
 * @companion bystander
 */
#define FUZZ_SECONDS 20
#include "fuzz.h"

const char test_title[] = "Hostile-guest fuzzer (short run)";
