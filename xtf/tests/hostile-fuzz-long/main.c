/**
 * @file
 * The hostile-guest fuzzer, long run (300 s), for `make fuzz`: the same
 * fuzzer as hostile-fuzz (../hostile-fuzz/fuzz.h says what it does and how
 * to replay a seed), for longer, and with huge counts over RAM as well
 * (hypercalls that work for seconds, in exits their continuations keep
 * short).  Category special, so that `make check` leaves it out.
 *
 * @category special
 * @envs hvm64 hvm32pae
 * @needs hypervisor
 * @domain vcpus=4 mem=16M
 * @smp 3
 * @timeout 1200
 * @companion bystander
 */
#define FUZZ_SECONDS   300
#define FUZZ_LONG_WORK 1 /* huge counts over RAM too: long single exits */
#include "../hostile-fuzz/fuzz.h"

const char test_title[] = "Hostile-guest fuzzer (long run)";
