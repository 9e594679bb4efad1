/* The ASID allocator of arch/x86/hvm/asid.c against a model TLB that
 * follows the AMD APM: entries are tagged (pCPU, ASID); TLB_CONTROL 1
 * drops every entry of the pCPU, 3 those of the ASID; the guest's INVLPG
 * and MOV CR3 act on the current ASID only. Guests map the same virtual
 * addresses to different frames; any hit that returns another frame than
 * the current translation is a leak (another vCPU's or domain's entry) or
 * a stale entry (one a flush should have dropped). */
#include <stdlib.h>
#include <string.h>
#include <asm/hvm/asid.h>
#include "harness.h"

#define NCPU  3
#define NVCPU 24
#define NVA   4
#define NTLB  512

struct tlb_entry {
    bool valid;
    unsigned int cpu, va;
    uint32_t asid;
    unsigned long frame;
};

struct model_vcpu {
    unsigned int dom;
    int on_cpu;      /* -1: not running */
    bool need_flush; /* svm_vcpu.need_flush */
    struct hvm_asid asid;
    unsigned long pt[NVA]; /* guest page table: va -> gfn */
};

static struct tlb_entry tlb[NTLB];
static struct hvm_asid_cpu cpus[NCPU];
static struct model_vcpu vcpus[NVCPU];
static int running[NCPU];
static unsigned long p2m[NVCPU][64]; /* per domain: gfn -> frame */
static unsigned int nvcpu, bad, full_flushes, taken;
static uint32_t cur_asid[NCPU];

static void model_reset(unsigned int n, unsigned int ndom, uint32_t nr_asids)
{
    memset(tlb, 0, sizeof(tlb));
    memset(vcpus, 0, sizeof(vcpus));
    nvcpu = n;
    bad = full_flushes = taken = 0;
    for (unsigned int c = 0; c < NCPU; c++) {
        hvm_asid_cpu_init(&cpus[c], nr_asids);
        running[c] = -1;
    }
    for (unsigned int d = 0; d < NVCPU; d++)
        for (unsigned int g = 0; g < 64; g++)
            p2m[d][g] = 1000 * (d + 1) + g; /* distinct frames per domain */
    for (unsigned int i = 0; i < n; i++) {
        vcpus[i].dom = i % ndom;
        vcpus[i].on_cpu = -1;
        for (unsigned int va = 0; va < NVA; va++)
            vcpus[i].pt[va] = (i * 7 + va) % 64;
    }
}

/* What the vCPU must see at va right now. */
static unsigned long truth(unsigned int i, unsigned int va)
{
    return p2m[vcpus[i].dom][vcpus[i].pt[va]];
}

static void tlb_drop(int cpu, int64_t asid, int va)
{
    for (unsigned int k = 0; k < NTLB; k++)
        if (tlb[k].valid && (cpu < 0 || tlb[k].cpu == (unsigned int)cpu) &&
            (asid < 0 || tlb[k].asid == asid) && (va < 0 || tlb[k].va == (unsigned int)va))
            tlb[k].valid = false;
}

/* VMRUN of vCPU i on pCPU c, as svm_asid_enter does it. */
static void enter(unsigned int i, unsigned int c)
{
    struct model_vcpu *v = &vcpus[i];
    uint64_t before = cpus[c].taken;
    uint8_t ctl;

    if (v->need_flush) {
        v->need_flush = false;
        hvm_asid_flush_vcpu(&v->asid);
    }
    ctl = hvm_asid_vmenter(&cpus[c], c, &v->asid);
    taken += cpus[c].taken - before;
    CHECK(v->asid.asid >= 1 && v->asid.asid <= cpus[c].max);
    if (ctl == TLB_CTRL_FLUSH_ALL) {
        tlb_drop(c, -1, -1);
        full_flushes++;
    } else if (ctl == TLB_CTRL_FLUSH_ASID)
        tlb_drop(c, v->asid.asid, -1);
    else
        CHECK(ctl == TLB_CTRL_NONE);
    cur_asid[c] = v->asid.asid;
}

static void schedule(unsigned int i, unsigned int c)
{
    if (vcpus[i].on_cpu >= 0)
        running[vcpus[i].on_cpu] = -1;
    if (running[c] >= 0)
        vcpus[running[c]].on_cpu = -1;
    running[c] = (int)i;
    vcpus[i].on_cpu = (int)c;
    enter(i, c);
}

/* The guest on pCPU c reads va: a hit must be the current translation. */
static void access(unsigned int c, unsigned int va)
{
    unsigned int i = (unsigned int)running[c];
    unsigned long want = truth(i, va);
    unsigned int k, free_k = NTLB;

    for (k = 0; k < NTLB; k++) {
        if (!tlb[k].valid) {
            free_k = free_k == NTLB ? k : free_k;
            continue;
        }
        if (tlb[k].cpu == c && tlb[k].asid == cur_asid[c] && tlb[k].va == va) {
            if (tlb[k].frame != want) {
                if (bad++ < 3)
                    printf("    vCPU %u (d%u) on pCPU %u ASID %u va %u: frame %lu, want %lu\n", i,
                           vcpus[i].dom, c, cur_asid[c], va, tlb[k].frame, want);
            }
            return;
        }
    }
    if (free_k == NTLB) /* full: evict at random (hardware may) */
        free_k = (unsigned int)rand() % NTLB;
    tlb[free_k] = (struct tlb_entry){true, c, va, cur_asid[c], want};
}

/* The guest changes a mapping and flushes it itself (INVLPG). */
static void guest_remap_invlpg(unsigned int c, unsigned int va)
{
    unsigned int i = (unsigned int)running[c];

    vcpus[i].pt[va] = (vcpus[i].pt[va] + 13) % 64;
    tlb_drop(c, cur_asid[c], va);
}

/* The guest changes mappings and reloads CR3 (not intercepted: the CPU
 * flushes the current ASID). */
static void guest_remap_cr3(unsigned int c)
{
    unsigned int i = (unsigned int)running[c];

    for (unsigned int va = 0; va < NVA; va++)
        vcpus[i].pt[va] = (vcpus[i].pt[va] + 5) % 64;
    tlb_drop(c, cur_asid[c], -1);
}

/* An emulated CR3 write (svm_set_cr): the hypervisor asks for the flush. */
static void emulated_cr3(unsigned int c)
{
    unsigned int i = (unsigned int)running[c];

    vcpus[i].pt[0] = (vcpus[i].pt[0] + 3) % 64;
    hvm_asid_flush_vcpu(&vcpus[i].asid);
    enter(i, c); /* the next VMRUN of the same vCPU */
}

/* The hypervisor changes a domain's p2m (hvm_flush_guest_tlbs): every vCPU
 * of it flushes at its next entry; running ones are kicked and re-enter. */
static void p2m_change(unsigned int d)
{
    for (unsigned int g = 0; g < 64; g++)
        p2m[d][g] += 100000;
    for (unsigned int i = 0; i < nvcpu; i++)
        if (vcpus[i].dom == d) {
            vcpus[i].need_flush = true;
            if (vcpus[i].on_cpu >= 0)
                enter(i, (unsigned int)vcpus[i].on_cpu);
        }
}

/* More vCPUs than ASIDs on one pCPU, round robin: generations roll over
 * and every read still sees its own vCPU's frame. */
TEST(asid_rollover_no_leak)
{
    opt_asid = true;
    model_reset(20, 20, 16);
    for (unsigned int round = 0; round < 10; round++)
        for (unsigned int i = 0; i < 20; i++) {
            schedule(i, 0);
            access(0, 0);
            access(0, 1);
        }
    CHECK(bad == 0);
    CHECK(full_flushes >= 10); /* 200 handouts of 15 ASIDs */
}

/* No more vCPUs than ASIDs on a pCPU: after each has its ASID, switching
 * between them takes no new ASID and flushes nothing (the point of it). */
TEST(asid_switch_without_flush)
{
    opt_asid = true;
    model_reset(15, 5, 16);
    for (unsigned int i = 0; i < 15; i++)
        schedule(i, 0);
    CHECK(full_flushes == 1); /* the first handout on the pCPU */
    full_flushes = taken = 0;
    for (unsigned int round = 0; round < 20; round++)
        for (unsigned int i = 0; i < 15; i++) {
            schedule(i, 0);
            access(0, round % NVA);
        }
    CHECK(full_flushes == 0);
    CHECK(taken == 0);
    CHECK(bad == 0);
}

/* A vCPU that moves to another pCPU takes a new ASID there, even if the
 * numbers of its old ASID and generation happen to match that pCPU's. */
TEST(asid_new_on_move)
{
    opt_asid = true;
    model_reset(2, 2, 16);
    schedule(0, 0);
    schedule(1, 1);
    /* both pCPUs are in generation 2 with ASID 1 handed out */
    taken = 0;
    schedule(0, 1);
    CHECK(taken == 1);
    CHECK(vcpus[0].asid.cpu == 1 && vcpus[0].asid.asid != vcpus[1].asid.asid);
}

/* Random schedules, moves, guest INVLPG and CR3 reloads, emulated CR3
 * writes and p2m changes on three pCPUs, with few and with many ASIDs. */
TEST(asid_random_no_leak_or_stale)
{
    static const uint32_t pools[] = {3, 4, 16, 64};

    opt_asid = true;
    for (unsigned int p = 0; p < 4; p++)
        for (unsigned int seed = 1; seed <= 20; seed++) {
            srand(seed);
            model_reset(2 + seed % 10, 1 + seed % 4, pools[p]);
            for (unsigned int c = 0; c < NCPU; c++)
                schedule(c, c);
            for (unsigned int step = 0; step < 3000; step++) {
                unsigned int c = (unsigned int)rand() % NCPU, r = (unsigned int)rand() % 100;

                if (r < 15)
                    schedule((unsigned int)rand() % nvcpu, c);
                else if (running[c] < 0)
                    continue;
                else if (r < 75)
                    access(c, (unsigned int)rand() % NVA);
                else if (r < 85)
                    guest_remap_invlpg(c, (unsigned int)rand() % NVA);
                else if (r < 90)
                    guest_remap_cr3(c);
                else if (r < 95)
                    emulated_cr3(c);
                else
                    p2m_change(vcpus[running[c]].dom);
            }
            if (bad) {
                printf("    pool %u ASIDs, seed %u: %u bad reads\n", pools[p], seed, bad);
                CHECK(bad == 0);
                return;
            }
        }
}

/* asid=off: one ASID for all, a full flush whenever another vCPU ran on
 * the pCPU since, none when the same vCPU comes back (the old scheme). */
TEST(asid_off_is_the_old_scheme)
{
    opt_asid = false;
    model_reset(2, 2, 16);
    schedule(0, 0);
    schedule(0, 0);
    CHECK(full_flushes == 1);
    for (unsigned int k = 0; k < 10; k++) {
        schedule(1, 0);
        access(0, 0);
        schedule(0, 0);
        access(0, 0);
    }
    CHECK(full_flushes == 21);
    CHECK(vcpus[0].asid.asid == 1 && vcpus[1].asid.asid == 1);
    CHECK(bad == 0);
    opt_asid = true;
}
