/* xen_version sub-ops and their buffers. */
#ifndef PUBLIC_VERSION_H
#define PUBLIC_VERSION_H

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

#define XEN_EXTRAVERSION_LEN 16
struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
#define XEN_CAPABILITIES_INFO_LEN 1024
#define XEN_CHANGESET_INFO_LEN    64
struct xen_platform_parameters {
    uint64_t virt_start;
};
struct xen_feature_info {
    uint32_t submap_idx;
    uint32_t submap;
};
#define XEN_COMMANDLINE_LEN 1024
struct xen_build_id {
    uint32_t len; /* in: size of buf; out: bytes written */
    uint8_t buf[];
};

/* Feature bits (submap 0). */
#define XENFEAT_writable_page_tables    0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_supervisor_mode_kernel  3
#define XENFEAT_hvm_callback_vector     8
#define XENFEAT_hvm_safe_pvclock        9
#define XENFEAT_hvm_pirqs               10

#endif
