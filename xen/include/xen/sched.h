/* Domains and virtual CPUs. */
#ifndef XEN_SCHED_H
#define XEN_SCHED_H

#include <xen/domtime.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <xen/types.h>
#include <public/hvm/params.h>
#include <public/sched.h>
#include <public/xen.h>

#define MAX_VCPUS             8
#define MAX_DOMAINS           256
#define DOMAIN_NAME_LEN       64
#define CONSOLE_LINE          256
#define MAX_DOMAIN_MODULES    4 /* boot modules given to one domain (module_of=) */
#define DOMAIN_MODULE_CMDLINE 128

enum domain_state {
    DOMSTATE_CREATED, /* built, not yet started */
    DOMSTATE_RUNNING,
    DOMSTATE_PAUSED,
    DOMSTATE_SHUTDOWN, /* shut down, preserved */
    DOMSTATE_DYING,
    DOMSTATE_DEAD,
};

enum domain_action {
    ACTION_DESTROY,
    ACTION_RESTART,
    ACTION_PRESERVE,
};

/* Why a domain ended: a guest shutdown reason, or one of these for the
 * hypervisor's own verdicts. */
#define EXIT_CRASHED_BY_XEN 100 /* the hypervisor killed it: triple fault, bad state */
#define EXIT_REFUSED        101 /* never started: bad image or settings */

enum vcpu_runstate {
    RUNSTATE_running,
    RUNSTATE_runnable,
    RUNSTATE_blocked,
    RUNSTATE_offline,
};

struct evtchn_state;
struct grant_table;
struct hvm_platform;

/* Grant table frames a domain may have (max_grant_frames=), and by default. */
#define GNTTAB_FRAMES_LIMIT   32
#define GNTTAB_DEFAULT_FRAMES 4
struct domain;

struct vcpu {
    unsigned int vcpu_id;
    struct domain *domain;
    unsigned int processor; /* pCPU it runs on */
    bool up;                /* brought up (vCPU 0 at start, others by vcpu_op) */
    bool initialised;       /* has a start state (VCPUOP_initialise) */
    bool blocked;           /* waiting for an event */
    bool pause;             /* paused by the toolstack or shutdown */
    bool running;           /* on a pCPU right now */
    bool wait_polling;      /* blocked, polling its flag on its pCPU: no IPI needed */
    volatile bool kick;     /* leave the guest at the next chance */
    enum vcpu_runstate runstate;
    s_time_t runstate_entry;
    s_time_t runstate_time[4];
    struct vcpu *rq_next; /* run queue link */
    bool on_runq;
    struct timer singleshot_timer;
    struct timer periodic_timer;
    s_time_t periodic_period;
    /* Serialises the periodic timer's expiry with its re-arming and stop
     * (per vCPU: one domain's timer calls never wait for another's). */
    spinlock_t periodic_lock;
    void *arch_hvm; /* struct svm_vcpu */
    void *vlapic;
    uint64_t fpu_area[64] __aligned(16); /* FXSAVE image (512 bytes) */
    bool fpu_initialised;
    /* Event channel state of this vCPU */
    uint32_t poll_mask_pending;
    /* VCPUOP_register_vcpu_info: the guest frame and offset of this vCPU's
     * vcpu_info, found through the p2m at every use, so a frame the guest
     * gave back is never written. Unset: the slot in shared info. */
    bool vcpu_info_registered;
    unsigned long vcpu_info_gfn;
    unsigned int vcpu_info_offset;
    /* VCPUOP_register_runstate_memory_area: a guest virtual address (0:
     * none), refreshed at registration and at each timer event. */
    uint64_t runstate_guest;
    bool runstate_compat;
    bool wait_for_sipi;    /* INIT received: a Start-up IPI starts it */
    uint8_t upcall_vector; /* HVMOP_set_evtchn_upcall_vector, 0: none */
    /* The hypercall of the current exit (common/hypercall.c): when it
     * began, and, once it stopped early, the call the guest re-issues. */
    s_time_t hcall_start;
    bool hcall_preempted;
    unsigned int hcall_nargs; /* arguments of the continuation that change */
    unsigned long hcall_nr;
    unsigned long hcall_args[5];
};

struct domain {
    domid_t domain_id;
    char name[DOMAIN_NAME_LEN];
    bool privileged;
    bool is_xenstore;
    enum domain_state state;
    unsigned int shutdown_reason; /* SHUTDOWN_* or EXIT_* */
    unsigned int shutdown_code;   /* from SCHEDOP_shutdown_code, -1 if none */
    bool shutdown_code_set;
    enum domain_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
    unsigned int restarts;
    spinlock_t lock;

    /* memory */
    uint64_t mem_bytes;
    unsigned long nr_pages;
    /* The guest-physical map, changed only by the p2m engine (xen/p2m.h)
     * under p2m_lock: */
    spinlock_t p2m_lock;
    uint32_t *p2m;               /* gfn -> mfn, for [0, nr_pages); mfn 0 = none */
    unsigned long p2m_pages;     /* frames used by the nested page tables */
    unsigned long max_p2m_pages; /* their cap: shadow_memory=, 0 until built */
    paddr_t npt_root;
    struct page_info *page_list; /* pages owned, for freeing */
    unsigned long tot_pages;     /* RAM frames mapped */
    unsigned long max_pages;
    uint32_t *spare; /* RAM frames owned but not mapped */
    unsigned long nr_spare, max_spare;
    unsigned long extra_gfn;       /* next free gfn above RAM, for add_to_physmap */
    unsigned int shadow_memory_mb; /* setting shadow_memory=, 0: the default */
    bool shinfo_compat;            /* 32-bit shared info layout */
    bool shinfo_latched;           /* layout fixed by a shared info mapping */

    /* boot image */
    const void *image;
    size_t image_size;
    char cmdline[512];
    uint64_t entry; /* PHYS32 entry */
    uint64_t start_info_gpa;
    uint64_t image_end; /* end of the highest loaded segment */
    uint64_t tsc_base;  /* host TSC when built: the guest TSC's zero */
    /* Boot modules given to this domain (module_of=NAME), in boot order:
     * PVH modules in its start info. */
    unsigned int nr_modules;
    struct domain_module {
        const void *data;
        uint64_t size;
        uint64_t gpa; /* where the build put it */
        char cmdline[DOMAIN_MODULE_CMDLINE];
    } modules[MAX_DOMAIN_MODULES];

    unsigned int nr_vcpus;
    struct vcpu *vcpus[MAX_VCPUS];

    /* hypervisor-visible guest state */
    uint64_t hvm_params[HVM_NR_PARAMS];
    uint64_t hypercall_page_gpa;
    void *shared_info;             /* hypervisor mapping of the shared info page */
    unsigned long shared_info_gfn; /* where the guest mapped it, or ~0 */
    /* console (common/domain_console.c) */
    spinlock_t console_lock; /* the line buffer and the ring's indices */
    char console_buf[CONSOLE_LINE];
    unsigned int console_len;
    bool console_line_hcall; /* part of the line came through console_io/0xE9 */
    unsigned long console_bytes;
    bool no_pv_console;        /* setting pv_console=0 */
    unsigned long cons_gfn;    /* the PV console ring's page, 0: none */
    uint32_t cons_port;        /* its event channel (bound to the hypervisor) */
    uint64_t cons_rate_tokens; /* rate limit of unprivileged domains' lines */
    s_time_t cons_rate_stamp;
    unsigned long cons_dropped; /* bytes of lines dropped since the last note */
    uint32_t cons_queued;       /* bytes of its lines not yet written out */
    struct evtchn_state *evtchn;
    spinlock_t evtchn_lock;   /* this domain's ports (docs/locking.md) */
    unsigned int max_evtchns; /* max_event_channels=, 0: the ABI's limit */
    struct grant_table *grant;
    bool is_hvm;                   /* type=hvm: emulated platform devices */
    struct hvm_platform *platform; /* their state (arch/x86/hvm/platform.c) */
    unsigned int max_grant_frames; /* max_grant_frames=, 0: GNTTAB_DEFAULT_FRAMES */
    spinlock_t grant_lock;         /* this domain's grant table (docs/locking.md) */
    struct domtime timing;         /* creation and destruction times (domtime.c) */
    /* scheduling */
    void *sched_priv; /* the scheduler's state of this domain (schedule.c) */
    unsigned int weight, cap;
    char sched_params[128];
    /* watchdogs (SCHEDOP_watchdog): slot i is id i + 1 */
#define NR_DOMAIN_WATCHDOG_TIMERS 2
    spinlock_t watchdog_lock;
    unsigned int watchdog_inuse_map;
    struct timer watchdog_timer[NR_DOMAIN_WATCHDOG_TIMERS];
    s_time_t created_at, finished_at;
    /* accesses to unbacked addresses and ports: rate limit of the report */
    s_time_t unbacked_window;
    unsigned int unbacked_lines;
    unsigned long unbacked_quiet;
    uint64_t hypercalls, exits;
};

/* The last pages of a domain's RAM are its special pages, as a toolstack
 * sets them aside on Xen: reserved in the memory map the guest sees, so it
 * uses them only for what the params say. */
#define DOMAIN_SPECIAL_PAGES  2
#define DOMAIN_CONSOLE_GFN(d) ((d)->nr_pages - 2) /* HVM_PARAM_CONSOLE_PFN */
#define DOMAIN_STORE_GFN(d)   ((d)->nr_pages - 1) /* HVM_PARAM_STORE_PFN */
struct hvm_memmap_table_entry;
/* The domain's memory map (as start info gives it): fills map, returns the
 * number of entries (at most DOMAIN_MEMMAP_MAX). */
#define DOMAIN_MEMMAP_MAX 5
unsigned int domain_memory_map(const struct domain *d, struct hvm_memmap_table_entry *map);

extern struct domain *domain_list[MAX_DOMAINS];
extern unsigned int nr_domains;

struct domain *domain_by_id(domid_t id);
/* Shut a domain down with a guest reason (SHUTDOWN_*). */
void domain_shutdown(struct domain *d, unsigned int reason);
/* The hypervisor ends a domain that broke the rules; it never takes the
 * hypervisor down with it. */
void domain_crash(struct domain *d, const char *why, ...) __printf(2, 3);
void domain_pause_vcpus(struct domain *d);
const char *shutdown_reason_name(unsigned int reason);
/* Write one byte of guest console output from console_io or port 0xE9
 * (line buffered; see domain_console_put in xen/console.h). */
void domain_console_putc(struct domain *d, char c);

void domain_check_all_finished(void);
void domain_finish(struct domain *d);

/* Scheduling (common/schedule.c). */
void sched_domain_dying(struct domain *d);
/* v has something to do (an interrupt or event pending, or it may run
 * again): runnable in the scheduler, and noticed where it already runs. */
void vcpu_wake(struct vcpu *v);
/* An interrupt to inject is pending for v: woken, and made to leave the
 * guest if it runs there (an IPI), so that it enters again with it. */
void vcpu_interrupt(struct vcpu *v);
void vcpu_block(struct vcpu *v);
void vcpu_yield(struct vcpu *v);
/* Make v leave the guest and go through the scheduler (pause, flush,
 * affinity, shutdown). */
void vcpu_kick(struct vcpu *v);
/* With v blocked on this pCPU: wait here, until it is woken or the pCPU has
 * something for the scheduler, when the scheduler would idle the pCPU
 * anyway; the caller then checks v's flags as usual (interrupts off on
 * return). */
void sched_wait_in_place(struct vcpu *v);
void schedule_init(void);
/* Wake an idle pCPU other than this one to write queued console output;
 * false if none is idle. */
bool sched_wake_idle_cpu(void);
void sched_add_vcpu(struct vcpu *v);
/* The vCPU timers' callbacks (common/vcpu.c); data is the vCPU. */
void vcpu_singleshot_expired(void *data);
void vcpu_periodic_expired(void *data);
/* A domain's SCHEDOP_watchdog timers: set up at build, killed at teardown. */
void domain_watchdogs_init(struct domain *d);
void domain_watchdogs_kill(struct domain *d);
void sched_remove_vcpu(struct vcpu *v);
void __attribute__((noreturn)) schedule_loop(void);
struct vcpu *current_vcpu(void);
/* INIT and Start-up IPIs from a local APIC (common/vcpu.c). */
void vcpu_init_ipi(struct vcpu *v);
void vcpu_sipi(struct vcpu *v, unsigned int vector);
void vcpu_runstate_change(struct vcpu *v, enum vcpu_runstate st, s_time_t now);

#endif
