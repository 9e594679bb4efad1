/*
 * The hostile-guest fuzzer, shared by hostile-fuzz (a short run, in
 * `make check`) and hostile-fuzz-long (`make fuzz`); each defines
 * FUZZ_SECONDS before including this file.
 *
 * Four vCPUs issue, until the time is up: hypercalls 0-63 with random
 * sub-ops and arguments (pointers to nothing, to MMIO, above RAM, at a
 * scratch buffer; huge and odd counts; this domain's, another domain's and
 * no domain's ids), random MSR reads and writes, CPUID leaves, port I/O and
 * local APIC MMIO.  A bystander domain (the `bystander` companion, the same
 * image) meanwhile checks that its own hypercalls keep giving the right
 * answers.  The fuzzer must survive, its vCPUs must all finish, every
 * hypercall must return a value or a Xen errno, and the runner checks that
 * no frame stays owned after the boot.
 *
 * What the fuzzer leaves alone is what would only kill itself, by design:
 * shutdown, block without a timeout, taking vCPUs up, down or
 * re-initialising them, short watchdogs, HVM parameters that move its own rings, MSRs that
 * change its own mode (EFER, APIC base, x2APIC, the hypercall page MSR) and
 * APIC ICR writes (INIT/SIPI/NMI to itself).  Guest frames it names come
 * from a sacrificial range (9-14 MiB of its 16 MiB) or lie above RAM, never
 * its image, so the hypervisor can map, free and scribble there.
 *
 * The run lasts FUZZ_SECONDS of the hypervisor's system time, which is as
 * good as its TSC calibration: the tests' timeouts leave room for a clock
 * that runs slow by a factor of several.
 *
 * Replay: the seed is printed; README.md says how to build images that use
 * it.  Each vCPU's sequence of operations is fixed by the seed; their
 * interleaving is not.
 */
#include <xtf.h>
#include <xtf/evtchn.h>

#ifndef FUZZ_LONG_WORK
#define FUZZ_LONG_WORK 0
#endif
#define FUZZ_VCPUS     4
#define SACRIFICE_LO   0x900 /* gfns 9 MiB .. 14 MiB */
#define SACRIFICE_HI   0xe00
#define RAM_GFNS       0x1000 /* @domain mem=16M */
#define SCRATCH_WORDS  512
#define DOMID_SELF_VAL 0x7ff0

struct fuzz_vcpu {
    uint64_t rng;
    unsigned long ops, hcalls, enosys, efault, msr_faults, io, mmio, cpuid, odd_rc;
    long last_odd_rc;
    unsigned int last_odd_nr;
    volatile bool done;
    /* Buffers the hypervisor may read and write freely. */
    unsigned long scratch[SCRATCH_WORDS] __aligned(4096);
    unsigned long scratch2[SCRATCH_WORDS] __aligned(4096);
};

static struct fuzz_vcpu fv[FUZZ_VCPUS] __aligned(4096);
static uint8_t stacks[FUZZ_VCPUS][8192] __aligned(16);
static uint64_t tsc_start, tsc_per_ms, seed;
static uint64_t systime_at_start; /* ns, at tsc_start */
static domid_t my_domid, bystander_domid;
static const char console_text[] = "hostile-fuzz console_io write\n";

static uint64_t next(struct fuzz_vcpu *f)
{
    /* xorshift64* */
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return f->rng * 0x2545F4914F6CDD1Dull;
}

/* A random number below n (32-bit arithmetic: 32-bit guests have no
 * 64-bit division). */
static unsigned long below(struct fuzz_vcpu *f, uint32_t n)
{
    return n ? (uint32_t)(next(f) >> 32) % n : 0;
}

/* a / b by shift and subtract, for the same reason. */
static uint64_t div64(uint64_t a, uint64_t b)
{
    uint64_t q = 0, r = 0;

    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((a >> i) & 1);
        if (r >= b) {
            r -= b;
            q |= 1ull << i;
        }
    }
    return q;
}

static uint64_t now_ns(void)
{
    return systime_at_start + div64((rdtsc() - tsc_start) * 1000000ull, tsc_per_ms);
}

static unsigned long sacrificial_gfn(struct fuzz_vcpu *f)
{
    return SACRIFICE_LO + below(f, SACRIFICE_HI - SACRIFICE_LO);
}

/* A guest frame number that is never this domain's image or boot info. */
static unsigned long fuzz_gfn(struct fuzz_vcpu *f)
{
    switch (below(f, 6)) {
    case 0:
    case 1:
        return sacrificial_gfn(f);
    case 2:
        return RAM_GFNS + below(f, 0x100000); /* above RAM */
    case 3:
        return ~0ul - below(f, 4);
    case 4:
        return 0xfee00; /* the local APIC's frame */
    default:
        return (unsigned long)next(f) | (1ul << 20);
    }
}

/* A random word that, taken as an address, is not this domain's live RAM (its
 * image, stacks, buffers, boot pages and rings): in a 32-bit guest a plain
 * random word lands there often enough over a run for an output argument to
 * overwrite the fuzzer's own stack. The sacrificial gfns are allowed. */
static unsigned long far_random(struct fuzz_vcpu *f)
{
    unsigned long p;

    do
        p = (unsigned long)next(f);
    while (p < RAM_GFNS * 4096ul && !(p >= SACRIFICE_LO * 4096ul && p < SACRIFICE_HI * 4096ul));
    return p;
}

/* A pointer the hypervisor cannot use, or may use without hurting us. */
static unsigned long bad_pointer(struct fuzz_vcpu *f)
{
    static const unsigned long fixed[] = {
        0,
        1,
        0xfff,
        0xc0000000,
        0xfee00000,
        0xfec00000,
        0x10000000,
        0xfffffff8,
        ~0ul,
        0xc0000ffcul,
#ifdef __x86_64__
        0x8000000000000000ul,
        0xffff800000000000ul,
        0x00007ffffffff000ul,
#endif
    };

    switch (below(f, 4)) {
    case 0:
        return sacrificial_gfn(f) * 4096 + below(f, 4096);
    case 1:
        return far_random(f);
    default:
        return fixed[below(f, ARRAY_SIZE(fixed))];
    }
}

/* A pointer argument: sometimes a buffer of ours (filled with words). */
static unsigned long pointer(struct fuzz_vcpu *f)
{
    switch (below(f, 4)) {
    case 0:
        return (unsigned long)f->scratch + 8 * below(f, 8);
    case 1:
        return (unsigned long)f->scratch2;
    default:
        return bad_pointer(f);
    }
}

static domid_t fuzz_domid(struct fuzz_vcpu *f)
{
    static const domid_t fixed[] = {0, 0x7ff0, 0x7ff1, 0x7ff2, 0x7ff4, 0x7fff, 0xffff, 1, 2, 255};

    switch (below(f, 4)) {
    case 0:
        return my_domid;
    case 1:
        return bystander_domid;
    case 2:
        return (domid_t)next(f);
    default:
        return fixed[below(f, ARRAY_SIZE(fixed))];
    }
}

/* A count: small, odd or huge. */
static unsigned long count(struct fuzz_vcpu *f)
{
    static const unsigned long fixed[] = {0,    1,          2,          3,          16,
                                          63,   64,         65,         512,        4096,
                                          ~0ul, 0x7fffffff, 0x80000000, 0xffffffff, 0x40000000};

    return below(f, 3) ? below(f, 8) : fixed[below(f, ARRAY_SIZE(fixed))];
}

/* Taken as a frame number, a value here is this domain's image, stacks,
 * buffers or rings (low memory below 1 MiB and the sacrificial range may
 * go). */
static bool live_gfn(unsigned long v)
{
    return (v >= 0x100 && v < SACRIFICE_LO) || (v >= SACRIFICE_HI && v < RAM_GFNS);
}

static unsigned long any_word(struct fuzz_vcpu *f)
{
    switch (below(f, 8)) {
    case 0:
        return count(f);
    case 1:
        return fuzz_gfn(f);
    case 2:
        return bad_pointer(f);
    case 3:
        return fuzz_domid(f) | ((unsigned long)fuzz_domid(f) << 16);
    case 4:
        return below(f, 16);
    default:
        return far_random(f);
    }
}

/* A word for the buffers the hypervisor reads as structures: never a
 * pointer to our own buffers (a structure there could make the hypervisor
 * scribble over us) nor, taken as a frame number, one of our live frames
 * (a small count or address such as 0x10f is also gfn 0x10f: a remove or
 * decrease_reservation of it took the fuzzer's own page tables), nor, taken
 * as an address, one in a live frame: a grant mapped at host_addr 0x10e123
 * replaces the page table at gfn 0x10e until it is unmapped, and a domain id
 * pair such as 0x0114abcd is such an address. */
static unsigned long word(struct fuzz_vcpu *f)
{
    unsigned long w = any_word(f);

    return live_gfn(w) || live_gfn(w >> 12) ? sacrificial_gfn(f) : w;
}

static void fill(struct fuzz_vcpu *f, unsigned long *buf)
{
    unsigned int n = 1 + below(f, SCRATCH_WORDS);

    for (unsigned int i = 0; i < n; i++)
        buf[i] = word(f);
}

/*
 * A pointer with a count: our buffers only with counts they hold. A huge
 * count over RAM makes one hypercall work through megabytes (continuations
 * cut it into exits of about 0.5 ms, but the call as a whole can take
 * seconds under TCG, long enough to stall a vCPU past a short run), so only
 * runs built with FUZZ_LONG_WORK pair them; otherwise a huge count comes
 * with a pointer at no memory.
 */
static unsigned long counted_pointer(struct fuzz_vcpu *f, unsigned long *n, size_t elem)
{
    unsigned long p;

    *n = count(f);
    /* Divide, never multiply: in a 32-bit guest 0x80000000 entries of 32
     * bytes "fit" in 0 bytes, and the hypervisor then rightly walks (and
     * writes results into) all of this domain's memory. */
    if (*n <= sizeof(f->scratch2) / elem && below(f, 2))
        return (unsigned long)f->scratch2;
    if (*n <= 1024 || FUZZ_LONG_WORK) {
        if (below(f, 2))
            return sacrificial_gfn(f) * 4096; /* RAM we gave up, or a hole */
        return bad_pointer(f);
    }
    do
        p = bad_pointer(f);
    while (p >= SACRIFICE_LO * 4096 && p < RAM_GFNS * 4096);
    return p;
}

static void check_rc(struct fuzz_vcpu *f, unsigned int nr, long rc)
{
    f->hcalls++;
    if (rc == -ENOSYS)
        f->enosys++;
    else if (rc == -EFAULT)
        f->efault++;
    else if (rc < -4095) { /* neither a result nor an errno */
        f->odd_rc++;
        f->last_odd_rc = rc;
        f->last_odd_nr = nr;
    }
}

/* The sacrificial RAM holds whatever the hypervisor or another vCPU last
 * wrote there: read as a list of frames to give back or move, it names any
 * frame, the fuzzer's own image included. */
static bool in_sacrificial_ram(unsigned long addr)
{
    return addr >= SACRIFICE_LO * 4096ul && addr < RAM_GFNS * 4096ul;
}

static void fuzz_memory_op(struct fuzz_vcpu *f)
{
    static const unsigned int cmds[] = {0, 1, 2, 3, 4, 6, 7, 9, 10, 11, 12, 15, 16, 17, 21, 30};
    unsigned long cmd = below(f, 5) ? cmds[below(f, ARRAY_SIZE(cmds))] : next(f) & 0xff;
    unsigned long *s = f->scratch;

    fill(f, s);
    /* A structure of another command may hold lists of frames to move
     * (add_to_physmap_batch): never point them into the sacrificial RAM. */
    for (unsigned int i = 0; i < SCRATCH_WORDS; i++)
        if (in_sacrificial_ram(s[i]))
            s[i] = RAM_GFNS * 4096ul + below(f, 0x100000) * 4096ul;
    fill(f, f->scratch2);
    for (unsigned int i = 0; i < SCRATCH_WORDS; i++)
        f->scratch2[i] = below(f, 4) ? fuzz_gfn(f) : word(f);
    if (cmd == 0 || cmd == 1 || cmd == 6) {
        struct xen_memory_reservation *r = (void *)s;
        unsigned long n;

        r->extent_start = (void *)counted_pointer(f, &n, sizeof(xen_pfn_t));
        if (cmd == 1 && in_sacrificial_ram((unsigned long)r->extent_start))
            r->extent_start = f->scratch2, n = below(f, SCRATCH_WORDS + 1);
        r->nr_extents = n;
        r->extent_order = below(f, 4) ? 0 : below(f, 24);
        r->mem_flags = below(f, 2) ? 0 : (unsigned int)next(f);
        r->domid = below(f, 3) ? DOMID_SELF_VAL : fuzz_domid(f);
    } else if (cmd == 7) {
        struct xen_add_to_physmap *x = (void *)s;

        x->domid = below(f, 3) ? DOMID_SELF_VAL : fuzz_domid(f);
        x->size = (uint16_t)count(f);
        x->space = below(f, 8);
        x->idx = below(f, 2) ? below(f, 4) : word(f);
        x->gpfn = fuzz_gfn(f);
        if (x->space == XENMAPSPACE_gmfn_range) {
            /* A range moves [idx, idx + size): keep it in the sacrificial
             * frames, or it strips the fuzzer's own image. */
            x->idx = sacrificial_gfn(f);
            x->size = below(f, SACRIFICE_HI - x->idx + 1);
        }
    }
    check_rc(f, 12,
             hypercall_by_nr(12, cmd, below(f, 6) ? (unsigned long)s : bad_pointer(f), 0, 0, 0));
}

static void fuzz_sched_op(struct fuzz_vcpu *f)
{
    unsigned long *s = f->scratch;
    unsigned int choice = below(f, 6);
    unsigned long cmd, arg;

    fill(f, s);
    switch (choice) {
    case 0:
        cmd = 0; /* yield */
        break;
    case 1: { /* poll, always with a timeout in the next 2 ms */
        struct sched_poll *p = (void *)s;
        unsigned long n;

        p->ports = (void *)counted_pointer(f, &n, sizeof(evtchn_port_t));
        p->nr_ports = (unsigned int)n;
        p->timeout = now_ns() + below(f, 2000000) + 1;
        cmd = 3;
        break;
    }
    case 2: { /* remote_shutdown of another domain: must be refused */
        struct sched_remote_shutdown *r = (void *)s;

        r->domain_id = below(f, 2) ? bystander_domid : (domid_t)below(f, 8);
        if (r->domain_id == my_domid)
            r->domain_id = bystander_domid;
        r->reason = below(f, 6);
        cmd = 4;
        break;
    }
    case 3: { /* watchdogs: arm only for longer than any run, or disarm */
        struct sched_watchdog *w = (void *)s;

        w->id = below(f, 4);
        /* (id 0 arms a new one: timeout 0 would fire at once) */
        w->timeout = w->id && below(f, 2) ? 0 : 3600 + below(f, 100000);
        cmd = 6;
        break;
    }
    default:
        cmd = below(f, 2) ? 7 + below(f, 64) : (unsigned long)next(f) | 0x100;
        break;
    }
    /* Poll and watchdog read their structure from ours only: from a
     * sacrificial frame (zeroes) they would block for good or fire at once. */
    arg = cmd == 3 || cmd == 6 || below(f, 8) ? (unsigned long)s : bad_pointer(f);
    check_rc(f, 29, hypercall_by_nr(29, cmd, arg, 0, 0, 0));
}

/*
 * vcpu_op with random sub-ops. The runstate and time areas (5, 13) and
 * vcpu_info (10) are places the hypervisor writes to from then on, as Xen
 * does: registered on the fuzzer's own stack or tables they would overwrite
 * them with times (a guest hurting itself through the ABI), so they go to
 * our buffers or to addresses with nothing of ours behind them.
 */
static void fuzz_vcpu_op(struct fuzz_vcpu *f)
{
    static const unsigned int cmds[] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    unsigned long cmd = below(f, 6) ? cmds[below(f, ARRAY_SIZE(cmds))] : 16 + below(f, 1000);
    unsigned long vcpu = below(f, 4) ? below(f, FUZZ_VCPUS + 2) : word(f);
    unsigned long *s = f->scratch;

    fill(f, s);
    if (cmd == 6) /* a period: sometimes sane (1-10 ms) */
        s[0] = below(f, 2) ? 1000000 * (1 + below(f, 10)) : word(f);
    else if (cmd == 8) /* a singleshot deadline soon, past or far */
        s[0] = below(f, 2) ? now_ns() + below(f, 5000000) : word(f);
    else if (cmd == 5 || cmd == 13) /* areas the hypervisor keeps writing to */
        s[0] = below(f, 2) ? (unsigned long)f->scratch2 + 64 * below(f, 8) : bad_pointer(f);
    else if (cmd == 10) /* vcpu_info: a frame that is not our image */
        s[0] = fuzz_gfn(f);
    check_rc(f, 24,
             hypercall_by_nr(24, cmd, vcpu, below(f, 6) ? (unsigned long)s : bad_pointer(f), 0, 0));
}

static void fuzz_hvm_op(struct fuzz_vcpu *f)
{
    unsigned long cmd = below(f, 4) ? below(f, 40) : word(f);
    unsigned long *s = f->scratch;

    fill(f, s);
    if (cmd == 0) { /* set_param: an index that is no parameter, or another domain's */
        struct xen_hvm_param *p = (void *)s;

        if (below(f, 2)) {
            p->domid = DOMID_SELF_VAL;
            p->index = HVM_NR_PARAMS + below(f, 2) * (unsigned int)next(f);
        } else {
            p->domid = bystander_domid;
            p->index = below(f, HVM_NR_PARAMS);
        }
    } else if (cmd == 1) {
        struct xen_hvm_param *p = (void *)s;

        p->domid = below(f, 2) ? DOMID_SELF_VAL : fuzz_domid(f);
        p->index = below(f, 2) ? below(f, HVM_NR_PARAMS + 4) : (unsigned int)next(f);
    }
    check_rc(f, 34,
             hypercall_by_nr(34, cmd, below(f, 6) ? (unsigned long)s : bad_pointer(f), 0, 0, 0));
}

static void fuzz_console_io(struct fuzz_vcpu *f)
{
    unsigned long cmd = below(f, 4) ? below(f, 3) : word(f);
    unsigned long n = count(f), ptr = bad_pointer(f);

    if (cmd == 0 && below(f, 8) == 0) { /* now and then a real line */
        n = sizeof(console_text) - 1;
        ptr = (unsigned long)console_text;
    } else if (cmd == 1) {
        ptr = counted_pointer(f, &n, 1);
    }
    check_rc(f, 18, hypercall_by_nr(18, cmd, n, ptr, 0, 0));
}

static void fuzz_multicall(struct fuzz_vcpu *f)
{
    static const unsigned int ops[] = {17, 15, 32, 35, 36, 63, 13, 20, 0, 55};
    unsigned long *s = f->scratch2, n;
    unsigned long list = counted_pointer(f, &n, 8 * sizeof(unsigned long));

    /* Entries (op, result, args[6]): harmless ops with word arguments. */
    for (unsigned int i = 0; i + 8 <= SCRATCH_WORDS; i += 8) {
        s[i] = below(f, 4) ? ops[below(f, ARRAY_SIZE(ops))] : word(f);
        if (s[i] == 29 || s[i] == 24 || s[i] == 34 || s[i] == 12 || s[i] == 18 || s[i] == 6)
            s[i] = 17;
        for (unsigned int a = 1; a < 8; a++)
            s[i + a] = word(f);
    }
    check_rc(f, 13, hypercall_by_nr(13, list, n, 0, 0, 0));
}

/* grant_table_op(cmd, uop, count): the operations are read from the
 * pointer, count of them. */
static void fuzz_grant_table_op(struct fuzz_vcpu *f)
{
    unsigned long cmd = below(f, 4) ? below(f, 16) : word(f), n, uop;

    for (unsigned int i = 0; i < SCRATCH_WORDS; i++)
        f->scratch2[i] = word(f);
    uop = counted_pointer(f, &n, 64);
    check_rc(f, 20, hypercall_by_nr(20, cmd, uop, n, 0, 0));
}

/* Any other number: words and pointers, whatever it is. */
static void fuzz_generic(struct fuzz_vcpu *f, unsigned int nr)
{
    unsigned long a[5];

    fill(f, f->scratch);
    fill(f, f->scratch2);
    for (unsigned int i = 0; i < 5; i++)
        a[i] = below(f, 3) ? pointer(f) : word(f);
    if (nr == 15 && below(f, 2)) /* set_timer_op: a deadline soon */
        a[0] = now_ns() + below(f, 3000000);
    check_rc(f, nr, hypercall_by_nr(nr, a[0], a[1], a[2], a[3], a[4]));
}

/* Timers shared between vCPUs, re-armed from all of them at once: the
 * domain's watchdogs and every vCPU's periodic and singleshot timers. */
static void fuzz_timers(struct fuzz_vcpu *f)
{
    unsigned long *s = f->scratch;
    struct sched_watchdog *w = (void *)s;

    switch (below(f, 4)) {
    case 0: /* arm (id 0) or refresh, for long */
        w->id = below(f, 3);
        w->timeout = 3600 + below(f, 1000);
        check_rc(f, 29, hypercall_by_nr(29, 6, (unsigned long)s, 0, 0, 0));
        break;
    case 1: /* disarm id 1 or 2 */
        w->id = 1 + below(f, 2);
        w->timeout = 0;
        check_rc(f, 29, hypercall_by_nr(29, 6, (unsigned long)s, 0, 0, 0));
        break;
    case 2:
        s[0] = 1000000 * (1 + below(f, 5));
        check_rc(
            f, 24,
            hypercall_by_nr(24, below(f, 2) ? 6 : 7, below(f, FUZZ_VCPUS), (unsigned long)s, 0, 0));
        break;
    default:
        check_rc(f, 15, hypercall_by_nr(15, now_ns() + below(f, 2000000), 0, 0, 0, 0));
        break;
    }
}

static void fuzz_hypercall(struct fuzz_vcpu *f)
{
    if (below(f, 8) == 0)
        return fuzz_timers(f);

    /* Half of the calls go to what this hypervisor implements. */
    static const unsigned int implemented[] = {12, 13, 15, 17, 18, 20, 21, 24, 29, 32, 34, 35, 36};
    unsigned int nr = below(f, 2) ? implemented[below(f, ARRAY_SIZE(implemented))] : below(f, 64);

    switch (nr) {
    case 6: /* sched_op_compat: shutdown by another name */
    case 29:
        fuzz_sched_op(f);
        break;
    case 12:
        fuzz_memory_op(f);
        break;
    case 13:
        fuzz_multicall(f);
        break;
    case 18:
        fuzz_console_io(f);
        break;
    case 20:
        fuzz_grant_table_op(f);
        break;
    case 24:
        fuzz_vcpu_op(f);
        break;
    case 34:
        fuzz_hvm_op(f);
        break;
    default:
        fuzz_generic(f, nr);
        break;
    }
}

/* MSRs whose writes would change this guest's own mode or hypercall page. */
static bool msr_write_ok(uint32_t msr)
{
    if (msr == 0xc0000080 || msr == 0x1b || msr == 0x10 || (msr >= 0x800 && msr <= 0x8ff))
        return false; /* EFER, APIC base, TSC, x2APIC */
    if (msr >= 0x40000000 && msr <= 0x400000ff)
        return false; /* the hypercall page MSR and its neighbours */
    if (msr >= 0xc0000100 && msr <= 0xc0000102)
        return false; /* FS/GS bases */
    return true;
}

static uint32_t fuzz_msr_index(struct fuzz_vcpu *f)
{
    switch (below(f, 5)) {
    case 0:
        return below(f, 0x2000);
    case 1:
        return 0xc0000000 + below(f, 0x2000);
    case 2:
        return 0xc0010000 + below(f, 0x2000);
    case 3:
        return 0x40000000 + below(f, 0x200);
    default:
        return (uint32_t)next(f);
    }
}

static void fuzz_msr(struct fuzz_vcpu *f)
{
    uint32_t msr = fuzz_msr_index(f);
    uint64_t val = 0;

    if (rdmsr_safe(msr, &val))
        f->msr_faults++;
    if (!msr_write_ok(msr) || below(f, 2))
        return;
    if (below(f, 2))
        val = next(f);
    if (wrmsr_safe(msr, val))
        f->msr_faults++;
}

static void fuzz_cpuid(struct fuzz_vcpu *f)
{
    uint32_t leaf = below(f, 2)   ? below(f, 0x20)
                    : below(f, 2) ? 0x40000000 + below(f, 0x200)
                                  : (uint32_t)next(f);
    uint32_t a, b, c, d;

    if (below(f, 4) == 0)
        leaf = 0x80000000 + below(f, 0x30);
    cpuid_count(leaf, below(f, 4) ? below(f, 4) : (uint32_t)next(f), &a, &b, &c, &d);
    f->cpuid++;
}

static void fuzz_io(struct fuzz_vcpu *f)
{
    uint16_t port = below(f, 2) ? (uint16_t)next(f) : (uint16_t)below(f, 0x400);
    uint32_t val = (uint32_t)next(f);
    unsigned int size = 1u << below(f, 3);

    if (port == 0xe9) /* the console port: no garbage in the log */
        port = 0xea;
    if (below(f, 2)) {
        switch (size) {
        case 1:
            asm volatile("outb %b0, %w1" ::"a"(val), "Nd"(port));
            break;
        case 2:
            asm volatile("outw %w0, %w1" ::"a"(val), "Nd"(port));
            break;
        default:
            asm volatile("outl %0, %w1" ::"a"(val), "Nd"(port));
            break;
        }
    } else {
        switch (size) {
        case 1:
            asm volatile("inb %w1, %b0" : "=a"(val) : "Nd"(port));
            break;
        case 2:
            asm volatile("inw %w1, %w0" : "=a"(val) : "Nd"(port));
            break;
        default:
            asm volatile("inl %w1, %0" : "=a"(val) : "Nd"(port));
            break;
        }
    }
    f->io++;
}

/* Local APIC registers: reads anywhere in its page, writes but to the ICR. */
static void fuzz_mmio(struct fuzz_vcpu *f)
{
    volatile uint32_t *apic = (volatile uint32_t *)0xfee00000ul;
    unsigned int reg = below(f, 4) ? below(f, 0x40) * 0x10 : below(f, 0x400) * 4;

    if (below(f, 2) || reg == 0x300 || reg == 0x310) {
        (void)apic[reg / 4];
    } else {
        uint32_t val = (uint32_t)next(f);

        if (reg >= 0x320 && reg <= 0x370)
            val |= 1u << 16; /* LVTs stay masked */
        apic[reg / 4] = val;
    }
    f->mmio++;
}

static bool time_up(void)
{
    return rdtsc() - tsc_start >= tsc_per_ms * 1000 * FUZZ_SECONDS;
}

static void fuzz_loop(unsigned int id)
{
    struct fuzz_vcpu *f = &fv[id];

    cli(); /* whatever the fuzzer raises stays pending */
    while (!time_up()) {
        for (unsigned int i = 0; i < 64; i++) {
            switch (below(f, 10)) {
            case 0:
            case 1:
            case 2:
            case 3:
            case 4:
                fuzz_hypercall(f);
                break;
            case 5:
            case 6:
                fuzz_msr(f);
                break;
            case 7:
                fuzz_cpuid(f);
                break;
            case 8:
                fuzz_io(f);
                break;
            default:
                fuzz_mmio(f);
                break;
            }
            f->ops++;
        }
    }
    f->done = true;
}

/* A system time and a TSC read taken together: the TSC is read between two
 * system time reads less than 0.1 ms apart. Read apart, a vCPU held up
 * between them (the host or another domain had its pCPU) skews the rate,
 * and a run then lasts that many times its FUZZ_SECONDS. */
static bool time_sample(struct shared_info *s, uint64_t *t, uint64_t *c)
{
    for (unsigned int i = 0; i < 1000; i++) {
        uint64_t a = xen_system_time(s), tsc = rdtsc(), b = xen_system_time(s);

        if (b - a < 100000ull) {
            *t = a + (b - a) / 2;
            *c = tsc;
            return true;
        }
    }
    return false;
}

/* Learn the TSC rate from the hypervisor's system time, once: the fuzzer
 * may move the shared info page later (it is allowed to). */
static bool calibrate(void)
{
    struct shared_info *s;
    uint64_t t0, t1, c0, c1;
    long rc;

    s = map_shared_info(&rc);
    if (!s) {
        xtf_failure("Fail: shared info: %ld\n", rc);
        return false;
    }
    if (!time_sample(s, &t0, &c0))
        return xtf_failure("Fail: no system time and TSC read 0.1 ms apart\n"), false;
    do {
        hypercall_yield();
        if (!time_sample(s, &t1, &c1))
            return xtf_failure("Fail: no system time and TSC read 0.1 ms apart\n"), false;
    } while (t1 - t0 < 50000000ull);
    tsc_per_ms = div64((c1 - c0) * 1000000ull, t1 - t0);
    tsc_start = c1;
    systime_at_start = t1;
    return tsc_per_ms != 0;
}

/* The bystander: its own hypercalls keep working while the fuzzer runs. */
static void bystander_main(void)
{
    long ver = hypercall_xen_version(XENVER_version, NULL), rc;
    unsigned long rounds = 0;

    if (!calibrate())
        return;
    while (!time_up()) {
        struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};

        if ((rc = hypercall_xen_version(XENVER_version, NULL)) != ver)
            return xtf_failure("Fail: round %lu: xen_version %ld, was %ld\n", rounds, rc, ver);
        rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au);
        if (rc)
            return xtf_failure("Fail: round %lu: alloc_unbound %ld\n", rounds, rc);
        rc = hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_close,
                        &(struct evtchn_close){.port = au.port});
        if (rc)
            return xtf_failure("Fail: round %lu: close of port %u: %ld\n", rounds, au.port, rc);
        if ((rc = hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, NULL)) != 1)
            return xtf_failure("Fail: round %lu: vCPU 0 is_up %ld\n", rounds, rc);
        hypercall_yield();
        rounds++;
    }
    printk("bystander: %lu rounds of checked hypercalls\n", rounds);
    xtf_success(NULL);
}

void test_main(void)
{
    domid_t ids[4];
    unsigned long total = 0, finished = 0;
    uint64_t wait_from;
    long ver, rc;

    xtf_require_hypervisor();
    if (!strcmp(xtf_role(), "bystander"))
        return bystander_main();
    my_domid = xen_domid;
    if (xtf_domids("bystander", ids, 4) < 1)
        return xtf_error("Error: no bystander domain id on the command line\n");
    bystander_domid = ids[0];
#ifdef FUZZ_SEED
    seed = FUZZ_SEED;
#else
    seed = rdtsc() * 0x9E3779B97F4A7C15ull;
#endif
    if (!seed)
        seed = 1;
    printk("fuzz: seed %#llx, %u vCPUs, %u s, bystander d%u\n", (unsigned long long)seed,
           FUZZ_VCPUS, FUZZ_SECONDS, bystander_domid);
    rc = hypercall1(__HYPERVISOR_domctl, fv[0].scratch);
    if (rc != -EPERM)
        return xtf_error("Error: domctl gave %ld: the fuzzer must run unprivileged\n", rc);
    ver = hypercall_xen_version(XENVER_version, NULL);
    if (!calibrate())
        return;
    for (unsigned int i = 0; i < FUZZ_VCPUS; i++)
        fv[i].rng = (seed ^ (0x9E3779B97F4A7C15ull * (i + 1))) | 1;
    for (unsigned int i = 1; i < FUZZ_VCPUS; i++) {
        rc = xtf_vcpu_start(i, fuzz_loop, stacks[i] + sizeof(stacks[i]));
        if (rc)
            return xtf_failure("Fail: start of vCPU %u: %ld\n", i, rc);
    }
    fuzz_loop(0);
    /* The others stop at the same deadline, each within 64 operations of
     * it; on a crowded host they may wait long for a pCPU: allow them 60 s
     * from here. */
    wait_from = rdtsc();
    do {
        finished = 0;
        for (unsigned int i = 0; i < FUZZ_VCPUS; i++)
            finished += fv[i].done;
        if (finished == FUZZ_VCPUS)
            break;
        hypercall_yield();
    } while (rdtsc() - wait_from < tsc_per_ms * 60000);
    /* The fuzzed console_io writes may have used up this domain's console
     * allowance (16 KiB/s): give it half a second to come back, or the
     * report and the result line are dropped like the flood before them. */
    for (wait_from = rdtsc(); rdtsc() - wait_from < tsc_per_ms * 500;)
        hypercall_yield();
    for (unsigned int i = 0; i < FUZZ_VCPUS; i++) {
        struct fuzz_vcpu *f = &fv[i];

        printk("fuzz: vCPU %u: %lu ops: %lu hypercalls (%lu -ENOSYS, %lu -EFAULT), %lu MSR faults, "
               "%lu CPUID, %lu port I/O, %lu APIC MMIO%s\n",
               i, f->ops, f->hcalls, f->enosys, f->efault, f->msr_faults, f->cpuid, f->io, f->mmio,
               f->done ? "" : " (did not finish)");
        total += f->ops;
        if (f->odd_rc)
            xtf_failure("Fail: vCPU %u: %lu hypercalls returned neither a value nor an errno "
                        "(last: hypercall %u gave %ld)\n",
                        i, f->odd_rc, f->last_odd_nr, f->last_odd_rc);
    }
    if (finished != FUZZ_VCPUS)
        return xtf_failure("Fail: %lu of %u vCPUs finished (seed %#llx)\n", finished, FUZZ_VCPUS,
                           (unsigned long long)seed);
    /* Disarm what the fuzzer may have armed, then the hypervisor must still
     * answer as before. */
    for (uint32_t id = 1; id <= 2; id++) {
        struct sched_watchdog w = {.id = id, .timeout = 0};

        hypercall_sched_op(SCHEDOP_watchdog, &w);
    }
    rc = hypercall_xen_version(XENVER_version, NULL);
    if (rc != ver)
        return xtf_failure("Fail: xen_version %ld after the run, %ld before\n", rc, ver);
    printk("fuzz: %lu operations, seed %#llx\n", total, (unsigned long long)seed);
    xtf_success(NULL);
}
