/*
 * The test framework's API: everything a test's main.c needs.
 * A test defines `const char test_title[]` and `void test_main(void)`.
 */
#ifndef XTF_H
#define XTF_H

#include <xtf/types.h>
#include <xtf/x86.h>
#include <xtf/xen.h>
#include <xtf/hypercall.h>

/* Provided by the test. */
extern const char test_title[];
void test_main(void);
/* The variation this image was built for ("" when none). */
extern const char test_variation[];
#ifdef TEST_VARIATION
const char test_variation[] = TEST_VARIATION;
#endif

/* Environment. */
extern const char environment_description[];
extern const char environment_name[];

/* Library. */
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
unsigned long strtoul(const char *s, const char **end, int base);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list args);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* Ascending in place, for benchmark medians and percentiles (insertion
 * sort: tens to a few thousand samples). */
void sort_u32(uint32_t *a, unsigned int n);
void sort_u64(uint64_t *a, unsigned int n);

/* Console: printk() writes to every enabled sink. */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list args);
#define CONSOLE_E9    (1u << 0) /* port 0xE9 */
#define CONSOLE_HCALL (1u << 1) /* console_io hypercall */
#define CONSOLE_PV    (1u << 2) /* PV console ring */
extern unsigned int console_sinks;

/* Reporting; status only rises: SUCCESS < SKIP < ERROR < FAILURE. */
void xtf_success(const char *fmt, ...) __printf(1, 2);
void xtf_warning(const char *fmt, ...) __printf(1, 2);
void xtf_skip(const char *fmt, ...) __printf(1, 2);
void xtf_error(const char *fmt, ...) __printf(1, 2);
void xtf_failure(const char *fmt, ...) __printf(1, 2);
bool xtf_status_is_success(void);
void __noreturn xtf_exit(void);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);
void __noreturn xtf_shutdown(unsigned int reason);

/* Check a return code: FAILURE with a description unless rc == want. */
#define xtf_expect_rc(desc, rc, want)                                                              \
    do {                                                                                           \
        long rc_ = (long)(rc), want_ = (long)(want);                                               \
        if (rc_ != want_)                                                                          \
            xtf_failure("Fail: %s: got %ld, expected %ld\n", desc, rc_, want_);                    \
    } while (0)

/* An address with no RAM behind it in any environment (guests have megabytes). */
#define XTF_BAD_PTR ((void *)0xdeadf000ul)

/* Hypervisor discovery. */
extern bool xen_present;        /* Xen CPUID leaves found, hypercall page filled */
extern uint32_t xen_cpuid_base; /* 0x40000x00, or 0 */
extern uint32_t xen_version_major, xen_version_minor;
extern domid_t xen_domid; /* from CPUID leaf base+4 when given, else DOMID_INVALID */
/* SKIP the test (and exit) unless a hypervisor is present. */
void xtf_require_hypervisor(void);

/* PVH start info (NULL when booted without it). */
extern const struct hvm_start_info *pvh_start_info;
extern const char *xtf_cmdline;
/* Value of `key=value` on the guest command line, or NULL. */
const char *cmdline_get(const char *key, char *buf, size_t len);

/* Local APIC (xAPIC mode, MMIO at the default base). */
#define APIC_DEFAULT_BASE   0xfee00000ul
#define APIC_ID             0x020
#define APIC_LVR            0x030
#define APIC_TPR            0x080
#define APIC_EOI            0x0b0
#define APIC_SPIV           0x0f0
#define APIC_ESR            0x280
#define APIC_ICR            0x300
#define APIC_ICR2           0x310
#define APIC_LVTT           0x320
#define APIC_TMICT          0x380
#define APIC_TMCCT          0x390
#define APIC_TDCR           0x3e0
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_LVT_MASKED     (1u << 16)
bool apic_present(void);
int apic_enable(void); /* 0, or -ENODEV */
uint32_t apic_read(unsigned int reg);
void apic_write(unsigned int reg, uint32_t val);

/* Grant tables (version 1): map frame(s) at gnttab_frames and return the table. */
struct grant_entry_v1 *gnttab_v1_setup(long *rc);

/* Xenstore (a request/response client over the ring; one request at a time). */
int xenstore_init(void);
/* Read `path` into buf (NUL terminated); returns length or -errno. */
long xenstore_read(const char *path, char *buf, size_t len);
/* Any request: the reply's payload into buf (NUL terminated); returns its
 * length, -errno for an error reply (EACCES, EAGAIN, ENOENT, ...) or a
 * failure. Watch events arriving meanwhile are kept for xenstore_event(). */
long xenstore_request(uint32_t type, uint32_t tx_id, const void *payload, size_t len, char *buf,
                      size_t buflen);
/* The next watch event ("path\0token\0") into buf: length, or -EAGAIN. */
long xenstore_event(char *buf, size_t len);

/*
 * Multi-domain tests (@companion): the domids the runner gave the domains of
 * `role` ("primary" or a companion role), from `xtf-domid-ROLE=2-4:7` on the
 * command line.  Returns how many (at most max), -ENOENT or -EINVAL.
 * xtf_role() is this domain's role ("primary" for a lone test).
 */
int xtf_domids(const char *role, domid_t *ids, unsigned int max);
const char *xtf_role(void);

/* Shared info, mapped on first use; NULL if the hypervisor refused. */
struct shared_info *map_shared_info(long *rc);

/*
 * The start of a test built on shared info: needs a hypervisor (SKIP
 * without) and shared info mapped (a refusal is a FAILURE that ends the
 * test); returns it.
 */
struct shared_info *xtf_shared_info_start(void);
/* Runs role_main() in a domain whose xtf_role() is `role`, else other_main(). */
void xtf_main_by_role(const char *role, void (*role_main)(void), void (*other_main)(void));

/*
 * Secondary vCPUs (the domain needs @domain vcpus=N): start vCPU `id` in
 * this environment's mode with the same page tables, GDT and IDT, running
 * fn(id) on stack_top; it takes itself down when fn returns.  Returns 0 or
 * the -errno of VCPUOP_initialise/VCPUOP_up.  xtf_vcpu_id() is the calling
 * vCPU's id (CPUID's initial APIC ID).
 */
long xtf_vcpu_start(unsigned int id, void (*fn)(unsigned int), void *stack_top);
/*
 * xtf_vcpu_start(), then yield until fn sets *ready (a bounded wait).  A
 * start refused or a vCPU that never gets ready is reported as a FAILURE;
 * returns whether the vCPU is ready.
 */
bool xtf_vcpu_start_ready(unsigned int id, void (*fn)(unsigned int), void *stack_top,
                          volatile unsigned int *ready);
unsigned int xtf_vcpu_id(void);

#endif /* XTF_H */
