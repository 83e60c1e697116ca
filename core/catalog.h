/* catalog.h: the 26 primitive capabilities, their level meanings (L1-L3) and the
 * degradation guidance the compiler applies when a target is weaker than a skill needs.
 * Ids and categories match the reference SkVM so profiles interoperate; the wording is ours. */
#ifndef SKVM_CORE_CATALOG_H
#define SKVM_CORE_CATALOG_H

#include <stddef.h>

#define CATALOG_COUNT 26

typedef enum CatalogCategory {
    CATALOG_GENERATION,
    CATALOG_REASONING,
    CATALOG_TOOL_USE,
    CATALOG_FOLLOW,
} CatalogCategory;

typedef struct Primitive {
    const char *id;          /* "gen.code.python" */
    CatalogCategory category;
    const char *title;       /* "Python code" */
    const char *description; /* one sentence */
    const char *level[3];    /* what L1, L2, L3 mean */
    const char *degrade_3_2; /* guidance when L3 is needed and the target has L2 or less */
    const char *degrade_2_1; /* guidance when L2 is needed and the target has L1 or less;
                                NULL when no degradation is feasible */
} Primitive;

/* All primitives in catalog order (9 generation, 5 reasoning, 7 tool use, 5 follow). */
const Primitive *catalog_all(size_t *count);
/* Find by id; NULL when unknown. */
const Primitive *catalog_find(const char *id);
/* Index in catalog order, -1 when unknown. */
int catalog_index(const char *id);
/* "generation", "reasoning", "tool_use", "instruction_following" (the reference's strings). */
const char *catalog_category_name(CatalogCategory c);

#endif
