/*
 * The Xen guest ABI as the framework uses it: hypercall numbers, sub-ops and
 * structures (written from the public interface description).
 */
#ifndef XTF_XEN_H
#define XTF_XEN_H

#include <xtf/types.h>

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;
typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;
typedef unsigned long xen_pfn_t;
typedef unsigned long xen_ulong_t;

#define DOMID_SELF    0x7ff0
#define DOMID_IO      0x7ff1
#define DOMID_XEN     0x7ff2
#define DOMID_INVALID 0x7ff4

/* Hypercall numbers. */
#define __HYPERVISOR_set_trap_table          0
#define __HYPERVISOR_mmu_update              1
#define __HYPERVISOR_set_gdt                 2
#define __HYPERVISOR_stack_switch            3
#define __HYPERVISOR_set_callbacks           4
#define __HYPERVISOR_fpu_taskswitch          5
#define __HYPERVISOR_sched_op_compat         6
#define __HYPERVISOR_platform_op             7
#define __HYPERVISOR_set_debugreg            8
#define __HYPERVISOR_get_debugreg            9
#define __HYPERVISOR_update_descriptor       10
#define __HYPERVISOR_memory_op               12
#define __HYPERVISOR_multicall               13
#define __HYPERVISOR_update_va_mapping       14
#define __HYPERVISOR_set_timer_op            15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version             17
#define __HYPERVISOR_console_io              18
#define __HYPERVISOR_physdev_op_compat       19
#define __HYPERVISOR_grant_table_op          20
#define __HYPERVISOR_vm_assist               21
#define __HYPERVISOR_iret                    23
#define __HYPERVISOR_vcpu_op                 24
#define __HYPERVISOR_set_segment_base        25
#define __HYPERVISOR_mmuext_op               26
#define __HYPERVISOR_xsm_op                  27
#define __HYPERVISOR_nmi_op                  28
#define __HYPERVISOR_sched_op                29
#define __HYPERVISOR_callback_op             30
#define __HYPERVISOR_xenoprof_op             31
#define __HYPERVISOR_event_channel_op        32
#define __HYPERVISOR_physdev_op              33
#define __HYPERVISOR_hvm_op                  34
#define __HYPERVISOR_sysctl                  35
#define __HYPERVISOR_domctl                  36
#define __HYPERVISOR_kexec_op                37
#define __HYPERVISOR_argo_op                 39
#define __HYPERVISOR_xenpmu_op               40
#define __HYPERVISOR_dm_op                   41
#define __HYPERVISOR_hypfs_op                42
#define XTF_NR_HYPERCALLS                    64

/* Errno values (Xen uses Linux numbering), returned negated. */
#define EPERM      1
#define ENOENT     2
#define ESRCH      3
#define EINTR      4
#define E2BIG      7
#define EBADF      9
#define EAGAIN     11
#define ENOMEM     12
#define EACCES     13
#define EFAULT     14
#define EBUSY      16
#define EEXIST     17
#define ENODEV     19
#define EINVAL     22
#define ENOSPC     28
#define ERANGE     34
#define ENOSYS     38
#define EOPNOTSUPP 95

/* console_io */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* sched_op */
#define SCHEDOP_yield           0
#define SCHEDOP_block           1
#define SCHEDOP_shutdown        2
#define SCHEDOP_poll            3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code   5
#define SCHEDOP_watchdog        6

#define SHUTDOWN_poweroff   0
#define SHUTDOWN_reboot     1
#define SHUTDOWN_suspend    2
#define SHUTDOWN_crash      3
#define SHUTDOWN_watchdog   4
#define SHUTDOWN_soft_reset 5

struct sched_watchdog {
    uint32_t id;      /* 0 = arm a new watchdog; its id is returned */
    uint32_t timeout; /* seconds; 0 with an id = disarm */
};

struct sched_shutdown {
    unsigned int reason;
};

struct sched_poll {
    evtchn_port_t *ports;
    unsigned int nr_ports;
    uint64_t timeout;
};

struct sched_remote_shutdown {
    domid_t domain_id;
    unsigned int reason;
};

/* xen_version */
#define XENVER_version             0
#define XENVER_extraversion        1
#define XENVER_compile_info        2
#define XENVER_capabilities        3
#define XENVER_changeset           4
#define XENVER_platform_parameters 5
#define XENVER_get_features        6
#define XENVER_pagesize            7
#define XENVER_guest_handle        8
#define XENVER_commandline         9
#define XENVER_build_id            10

struct xen_feature_info {
    unsigned int submap_idx;
    uint32_t submap;
};

/* memory_op */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_maximum_ram_page     2
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_populate_physmap     6
#define XENMEM_add_to_physmap       7
#define XENMEM_memory_map           9
#define XENMEM_machine_memory_map   10
#define XENMEM_exchange             11

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn        2
#define XENMAPSPACE_gmfn_range  3

struct xen_memory_reservation {
    xen_pfn_t *extent_start;
    xen_ulong_t nr_extents;
    unsigned int extent_order;
    unsigned int mem_flags;
    domid_t domid;
};

struct xen_add_to_physmap {
    domid_t domid;
    uint16_t size;
    unsigned int space;
    xen_ulong_t idx;
    xen_pfn_t gpfn;
};

/* hvm_op */
#define HVMOP_set_param 0
#define HVMOP_get_param 1

#define HVM_PARAM_CALLBACK_IRQ   0
#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN    17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS            39

struct xen_hvm_param {
    domid_t domid;
    uint32_t index;
    uint64_t value;
};

/* event_channel_op */
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10

#define EVTCHNSTAT_closed      0
#define EVTCHNSTAT_unbound     1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq        3
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5

#define VIRQ_TIMER 0

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;
    evtchn_port_t port;
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;
    evtchn_port_t remote_port;
    evtchn_port_t local_port;
};

struct evtchn_bind_virq {
    uint32_t virq;
    uint32_t vcpu;
    evtchn_port_t port;
};

struct evtchn_bind_ipi {
    uint32_t vcpu;
    evtchn_port_t port;
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

struct evtchn_status {
    domid_t dom;
    evtchn_port_t port;
    uint32_t status;
    uint32_t vcpu;
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_reset {
    domid_t dom;
};

/* grant_table_op */
#define GNTTABOP_map_grant_ref   0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table     2
#define GNTTABOP_dump_table      3
#define GNTTABOP_transfer        4
#define GNTTABOP_copy            5
#define GNTTABOP_query_size      6
#define GNTTABOP_set_version     8
#define GNTTABOP_get_version     10

#define GNTST_okay              0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)

#define GTF_permit_access 1
#define GTF_readonly      (1u << 2)
#define GTF_reading       (1u << 3)
#define GTF_writing       (1u << 4)

#define GNTMAP_device_map (1u << 0)
#define GNTMAP_host_map   (1u << 1)
#define GNTMAP_readonly   (1u << 2)

struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;
    uint32_t frame;
};

struct gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    xen_pfn_t *frame_list;
};

struct gnttab_query_size {
    domid_t dom;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
};

struct gnttab_map_grant_ref {
    uint64_t host_addr;
    uint32_t flags;
    grant_ref_t ref;
    domid_t dom;
    int16_t status;
    grant_handle_t handle;
    uint64_t dev_bus_addr;
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;
    uint64_t dev_bus_addr;
    grant_handle_t handle;
    int16_t status;
};

struct gnttab_set_version {
    uint32_t version;
};

struct gnttab_get_version {
    domid_t dom;
    uint16_t pad;
    uint32_t version;
};

/* vcpu_op */
#define VCPUOP_initialise            0
#define VCPUOP_up                    1
#define VCPUOP_down                  2
#define VCPUOP_is_up                 3
#define VCPUOP_get_runstate_info     4
#define VCPUOP_set_periodic_timer    6
#define VCPUOP_stop_periodic_timer   7
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9

struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};

struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;
    uint32_t flags;
};

/* sysctl / domctl: only the interface version word matters to an unprivileged guest. */
struct xen_sysctl_probe {
    uint32_t cmd;
    uint32_t interface_version;
    uint8_t pad[128];
};

/* Shared info page (two-level event channel ABI). */
struct vcpu_time_info {
    uint32_t version, pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    int8_t flags;
    uint8_t pad1[2];
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;
    uint8_t evtchn_upcall_mask;
    xen_ulong_t evtchn_pending_sel;
#ifdef CONFIG_64BIT
    unsigned long cr2, pad;
#else
    unsigned long cr2, pad[5];
#endif
    struct vcpu_time_info time;
};

struct shared_info {
    struct vcpu_info vcpu_info[32];
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
    uint32_t wc_version, wc_sec, wc_nsec;
};

/* PV console and xenstore rings. */
struct xencons_interface {
    char in[1024];
    char out[2048];
    uint32_t in_cons, in_prod;
    uint32_t out_cons, out_prod;
};

struct xenstore_domain_interface {
    char req[1024];
    char rsp[1024];
    uint32_t req_cons, req_prod;
    uint32_t rsp_cons, rsp_prod;
};

#define XS_DIRECTORY         1
#define XS_READ              2
#define XS_GET_PERMS         3
#define XS_WATCH             4
#define XS_UNWATCH           5
#define XS_TRANSACTION_START 6
#define XS_TRANSACTION_END   7
#define XS_WRITE             11
#define XS_MKDIR             12
#define XS_RM                13
#define XS_SET_PERMS         14
#define XS_WATCH_EVENT       15
#define XS_ERROR             16

struct xenstore_msg_hdr {
    uint32_t type, req_id, tx_id, len;
};

/* PVH start of day. */
#define HVM_START_MAGIC 0x336ec578

struct hvm_start_info {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct hvm_modlist_entry {
    uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

#endif /* XTF_XEN_H */
