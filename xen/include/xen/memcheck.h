/* The free-frame check of a boot (common/memcheck.c): a snapshot before the
 * first domain is built, and the account printed when every domain ended. */
#ifndef XEN_MEMCHECK_H
#define XEN_MEMCHECK_H

void memcheck_snapshot(void);
void memcheck_report(void);

#endif
