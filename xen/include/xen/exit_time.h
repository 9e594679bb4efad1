/* Hypervisor time per guest exit: a per-pCPU histogram of the time from a
 * #VMEXIT's handling to its end (TSC cycles, shown in ns), with the longest
 * exit and what it was. Cheap enough for every exit: two TSC reads and a
 * few stores to this pCPU's own counters. Printed by debug key 'x' and when
 * every domain has finished ("exittime:" lines, read by the exit-time
 * benchmark). */
#ifndef XEN_EXIT_TIME_H
#define XEN_EXIT_TIME_H

#include <xen/types.h>

/* 4 buckets per power of two of cycles: a bucket's bounds are within 19%. */
#define EXIT_TIME_SUB     4
#define EXIT_TIME_BUCKETS (64 * EXIT_TIME_SUB)

/* The bucket of a duration, and the smallest duration after that bucket. */
unsigned int exit_time_bucket(uint64_t cycles);
uint64_t exit_time_bucket_end(unsigned int b);

/* Account one exit of kind `code` (the exit code; for a hypercall, `detail`
 * is its number) that took `cycles`. */
void exit_time_record(uint32_t code, uint64_t detail, uint64_t cycles);
void exit_time_print(void);

#endif
