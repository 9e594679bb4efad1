/**
 * @file
 * An exception whose stack has no memory behind it.  Bug class: a vCPU
 * that makes no progress (its fault can never be delivered) kept running
 * forever, costing a pCPU tens of thousands of exits a second.  With the
 * stack pointer at 3 GiB (mapped by the guest, no RAM there), (pf) a read
 * of the NULL page and (ud) a UD2 raise an exception whose delivery cannot
 * push its frame: the hypervisor must crash this domain alone ("crashed:"),
 * while a bystander domain in the same boot finishes SUCCESS.
 *
 * @category security
 * @envs hvm64 hvm32pae
 * @needs hypervisor
 * @variations pf ud
 * @companion bystander test=example
 * @expect-end crashed:; destroyed
 */
#include <xtf.h>

const char test_title[] = "Exception onto an unbacked stack";

#define UNBACKED_STACK 0xc0001000ul
#ifdef __x86_64__
#define SP "%%rsp"
#else
#define SP "%%esp"
#endif

void test_main(void)
{
    xtf_require_hypervisor();
    printk("Switching to a stack at %#lx and raising #%s\n", UNBACKED_STACK,
           !strcmp(test_variation, "pf") ? "PF" : "UD");
    if (!strcmp(test_variation, "pf"))
        asm volatile("mov %0, " SP "; mov 0, %%eax" ::"r"(UNBACKED_STACK) : "memory");
    else
        asm volatile("mov %0, " SP "; ud2" ::"r"(UNBACKED_STACK) : "memory");
    xtf_failure("Fail: survived an exception onto an unbacked stack\n");
}
