/* ASIDs per vCPU with generations, per pCPU.
 *
 * Rules:
 * - Each pCPU hands out its ASIDs 1..max in order and counts generations.
 *   An ASID is handed out at most once per generation, so the TLB entries
 *   tagged with it on that pCPU belong to one vCPU only.
 * - A vCPU keeps its ASID while the generation it took it in is the
 *   pCPU's current one and it has not run on another pCPU since: entering
 *   it needs no flush at all.
 * - A vCPU that moved pCPUs, whose generation is stale, or whose
 *   translations must go (hvm_asid_flush_vcpu: a p2m change, an emulated
 *   CR0/CR3/CR4 write) takes the next free ASID: one that nothing on this
 *   pCPU has used since the last full flush, so it holds no entries.
 * - When the ASIDs run out, the pCPU starts a new generation with one full
 *   flush (TLB_CONTROL 1) on the entry that takes ASID 1: every vCPU then
 *   takes a new ASID at its next entry there.
 * Entries tagged with an ASID a vCPU left behind (on another pCPU, or
 * before a flush request) are never used again before that pCPU's next
 * full flush, since the ASID is not handed out again before it. The guest's
 * own INVLPG and CR3 writes act on its current ASID in hardware.
 *
 * A pool of one ASID (`asid=off`, or a CPU with only two) is the old
 * scheme: every handout is a new generation with a full flush, and a vCPU
 * keeps ASID 1 without a flush only while no other vCPU ran there. */
#include <xen/lib.h>
#include <xen/param.h>
#include <asm/hvm/asid.h>

bool opt_asid = true;
boolean_param("asid", opt_asid);

void hvm_asid_cpu_init(struct hvm_asid_cpu *c, uint32_t nr_asids)
{
    c->max = opt_asid && nr_asids > 2 ? nr_asids - 1 : 1;
    c->generation = 1;
    /* The first handout starts a generation: whatever the TLB holds from
     * before (firmware, an earlier hypervisor) is flushed. */
    c->next = c->max + 1;
    c->taken = c->generations = 0;
}

uint8_t hvm_asid_vmenter(struct hvm_asid_cpu *c, unsigned int cpu, struct hvm_asid *a)
{
    uint8_t tlb = TLB_CTRL_NONE;

    if (a->generation == c->generation && a->cpu == cpu)
        return TLB_CTRL_NONE;
    if (c->next > c->max) {
        /* 0 marks "no ASID" in a vCPU: skip it when the count wraps. */
        if (++c->generation == 0)
            c->generation = 1;
        c->next = 1;
        c->generations++;
        tlb = TLB_CTRL_FLUSH_ALL;
    }
    a->asid = c->next++;
    a->generation = c->generation;
    a->cpu = cpu;
    c->taken++;
    return tlb;
}
