/* Address space identifiers (ASIDs) for guest TLB entries: each vCPU gets
 * its own ASID on the pCPU it runs on, so a switch between vCPUs needs no
 * TLB flush. The rules are in arch/x86/hvm/asid.c. */
#ifndef ASM_HVM_ASID_H
#define ASM_HVM_ASID_H

#include <xen/types.h>

/* VMCB TLB_CONTROL values (AMD APM vol. 2, "TLB Control"). */
#define TLB_CTRL_NONE       0
#define TLB_CTRL_FLUSH_ALL  1 /* every ASID's entries on this pCPU */
#define TLB_CTRL_FLUSH_ASID 3 /* this guest's ASID only (FlushByAsid) */

/* One pCPU's ASID pool: ASIDs 1..max are handed out in order within a
 * generation; none is handed out twice in one generation. */
struct hvm_asid_cpu {
    uint64_t generation; /* never 0 once initialised */
    uint32_t next;       /* the next ASID to hand out */
    uint32_t max;        /* the highest usable ASID (1: one shared ASID) */
    /* Counters for the console and the benchmark. */
    uint64_t taken, generations;
};

/* One vCPU's ASID: valid on `cpu` while `generation` equals that pCPU's. */
struct hvm_asid {
    uint64_t generation; /* 0: none, take a new one at the next entry */
    uint32_t asid;
    unsigned int cpu;
};

/* false (`asid=off`): the old scheme, one ASID for every vCPU and a full
 * flush whenever another vCPU ran on the pCPU since (for comparison). */
extern bool opt_asid;

/* Set up a pCPU's pool from CPUID 0x8000000A EBX (the number of ASIDs,
 * ASID 0 being the host's). */
void hvm_asid_cpu_init(struct hvm_asid_cpu *c, uint32_t nr_asids);

/* The vCPU's translations must go: it takes a new ASID at its next entry. */
static inline void hvm_asid_flush_vcpu(struct hvm_asid *a)
{
    a->generation = 0;
}

/* Right before VMRUN on pCPU `cpu` (interrupts off): make a->asid valid
 * there and return the TLB_CONTROL the entry needs. */
uint8_t hvm_asid_vmenter(struct hvm_asid_cpu *c, unsigned int cpu, struct hvm_asid *a);

#endif
