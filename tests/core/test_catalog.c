/* test_catalog.c: the primitive catalog (ids, categories, level texts, degradation). */
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "tests/testlib.h"

static const char *const expected_ids[CATALOG_COUNT] = {
    "gen.code.python", "gen.code.javascript", "gen.code.shell", "gen.code.sql",
    "gen.code.html", "gen.text.structured", "gen.text.long", "gen.text.prose", "gen.regex",
    "reason.arithmetic", "reason.logic", "reason.spatial", "reason.planning",
    "reason.analysis", "tool.file.read", "tool.file.write", "tool.exec", "tool.call.format",
    "tool.call.batch", "tool.web", "tool.browser", "follow.format", "follow.constraint",
    "follow.procedure", "follow.delegation", "follow.style",
};

START_TEST(test_ids_and_order)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    ck_assert_uint_eq(n, 26);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(all[i].id, expected_ids[i]);
        ck_assert_int_eq(catalog_index(all[i].id), (int)i);
        ck_assert_ptr_eq(catalog_find(all[i].id), &all[i]);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_str_ne(all[i].id, all[j].id);
    }
    ck_assert_ptr_null(catalog_find("gen.code.cobol"));
    ck_assert_ptr_null(catalog_find(NULL));
    ck_assert_int_eq(catalog_index("nope"), -1);
}
END_TEST

START_TEST(test_categories)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    int counts[4] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *prefix = all[i].category == CATALOG_GENERATION  ? "gen."
                             : all[i].category == CATALOG_REASONING ? "reason."
                             : all[i].category == CATALOG_TOOL_USE  ? "tool."
                                                                    : "follow.";
        ck_assert_msg(strncmp(all[i].id, prefix, strlen(prefix)) == 0, "%s", all[i].id);
        counts[all[i].category]++;
    }
    ck_assert_int_eq(counts[CATALOG_GENERATION], 9);
    ck_assert_int_eq(counts[CATALOG_REASONING], 5);
    ck_assert_int_eq(counts[CATALOG_TOOL_USE], 7);
    ck_assert_int_eq(counts[CATALOG_FOLLOW], 5);
    ck_assert_str_eq(catalog_category_name(CATALOG_GENERATION), "generation");
    ck_assert_str_eq(catalog_category_name(CATALOG_REASONING), "reasoning");
    ck_assert_str_eq(catalog_category_name(CATALOG_TOOL_USE), "tool_use");
    ck_assert_str_eq(catalog_category_name(CATALOG_FOLLOW), "instruction_following");
}
END_TEST

START_TEST(test_texts)
{
    size_t n = 0;
    const Primitive *all = catalog_all(&n);
    int nulls = 0;
    for (size_t i = 0; i < n; i++) {
        const Primitive *p = &all[i];
        ck_assert_msg(p->title && *p->title, "%s title", p->id);
        ck_assert_msg(p->description && strlen(p->description) > 10, "%s description", p->id);
        for (int l = 0; l < 3; l++) {
            ck_assert_msg(p->level[l] && strlen(p->level[l]) > 5, "%s L%d", p->id, l + 1);
            for (int m = l + 1; m < 3; m++)
                ck_assert_msg(strcmp(p->level[l], p->level[m]) != 0, "%s levels", p->id);
        }
        ck_assert_msg(p->degrade_3_2 && strlen(p->degrade_3_2) > 20, "%s 3->2", p->id);
        if (!p->degrade_2_1)
            nulls++;
        else
            ck_assert_msg(strlen(p->degrade_2_1) > 20, "%s 2->1", p->id);
    }
    ck_assert_int_eq(nulls, 1);
    ck_assert_ptr_null(catalog_find("tool.browser")->degrade_2_1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_test(tc, test_ids_and_order);
    tcase_add_test(tc, test_categories);
    tcase_add_test(tc, test_texts);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
