/* credit2: a unit removed while a pCPU still holds it as its current one
 * (the core turned it down as not runnable, e.g. its domain was dying, and
 * went idle) is never touched by that pCPU's next decision. The unit's
 * storage is freed right after removal, as the core frees a destroyed
 * domain's; AddressSanitizer reports any later access. */
#include <stdlib.h>
#include <string.h>
#include <xen/sched-if.h>
#include "harness.h"

static s_time_t fake_now;
static void no_tickle(void *ctx, unsigned int cpu) {}
static s_time_t get_now(void *ctx)
{
    return fake_now;
}

TEST(credit2_remove_unit_held_as_current)
{
    static const struct sched_callbacks cb = {.tickle = no_tickle, .now = get_now};
    const struct scheduler *ops = sched_find_by_name("credit2");
    struct sched_global_params gp;
    struct sched_instance s = {.cb = &cb, .nr_cpus = 1};
    struct sched_domain *dom = calloc(1, sizeof(*dom));
    struct sched_unit *u = calloc(1, sizeof(*u));
    struct sched_decision dec = {0};

    CHECK(ops != NULL);
    if (!ops)
        return;
    s.ops = ops;
    sched_global_default(ops, &gp);
    s.priv = calloc(1, ops->instance_size(1));
    dom->domid = 3;
    dom->priv = calloc(1, ops->dom_size ? ops->dom_size : 1);
    u->dom = dom;
    u->priv = calloc(1, ops->unit_size);
    sched_mask_fill(&u->hard_affinity, 1);
    CHECK(ops->init(&s, &gp) == 0);
    CHECK(ops->init_domain(&s, dom) == 0);
    CHECK(ops->insert_unit(&s, u) == 0);
    ops->wake(&s, u);
    fake_now = 1000000;
    ops->do_schedule(&s, 0, fake_now, &dec);
    CHECK(dec.next == u);
    /* The domain dies: asleep, removed, freed, while still current. */
    ops->sleep(&s, u);
    ops->remove_unit(&s, u);
    ops->destroy_domain(&s, dom);
    free(u->priv);
    free(u);
    free(dom->priv);
    free(dom);
    fake_now += 1000000;
    ops->do_schedule(&s, 0, fake_now, &dec);
    CHECK(dec.next == NULL);
    if (ops->deinit)
        ops->deinit(&s);
    free(s.priv);
}
