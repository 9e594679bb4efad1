/* Version and build identity. */
#ifndef XEN_VERSION_H
#define XEN_VERSION_H

#include <xen/types.h>

unsigned int xen_major_version(void);
unsigned int xen_minor_version(void);
const char *xen_extra_version(void);
const char *xen_version_string(void); /* "4.20-hv" */
const char *xen_changeset(void);      /* git describe of the build */
const char *xen_compiler(void);
const char *xen_build_opts(void);
const char *xen_features(void);
const char *xen_build_id_string(void); /* hex of the GNU build id */
/* The raw build id bytes; returns the length. */
unsigned int xen_build_id(const uint8_t **id);

#endif
