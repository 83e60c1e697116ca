/* test_rng.c: seeded RNG (determinism, ranges, unbiased shuffle, sample). */
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "tests/testlib.h"

START_TEST(test_deterministic)
{
    Rng a, b, c;
    rng_init(&a, 42);
    rng_init(&b, 42);
    rng_init(&c, 43);
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = rng_next(&a);
        ck_assert_uint_eq(x, rng_next(&b));
        if (x != rng_next(&c))
            differ++;
    }
    ck_assert_int_gt(differ, 90);
    /* seed 0 is a valid seed, not a degenerate all-zero state */
    rng_init(&a, 0);
    ck_assert(rng_next(&a) != 0 || rng_next(&a) != 0);
}
END_TEST

START_TEST(test_int_range_inclusive)
{
    Rng r;
    rng_init(&r, 7);
    int seen[11] = {0};
    for (int i = 0; i < 5000; i++) {
        long long v = rng_int(&r, 5, 15);
        ck_assert(v >= 5 && v <= 15);
        seen[v - 5]++;
    }
    for (int i = 0; i < 11; i++)
        ck_assert_int_gt(seen[i], 300); /* both ends reached, roughly uniform */
    ck_assert_int_eq(rng_int(&r, 3, 3), 3);
    long long v = rng_int(&r, 10, 2);
    ck_assert(v >= 2 && v <= 10);
    double d = rng_double(&r);
    ck_assert(d >= 0.0 && d < 1.0);
}
END_TEST

START_TEST(test_shuffle_unbiased)
{
    /* all 6 permutations of 3 items should be about equally likely */
    Rng r;
    rng_init(&r, 99);
    int counts[6] = {0};
    for (int i = 0; i < 6000; i++) {
        int a[3] = {0, 1, 2};
        rng_shuffle(&r, a, 3, sizeof a[0]);
        int code = a[0] * 9 + a[1] * 3 + a[2];
        int idx = code == 5 ? 0 : code == 7 ? 1 : code == 11 ? 2 : code == 15 ? 3
                  : code == 19 ? 4 : 5;
        counts[idx]++;
    }
    for (int i = 0; i < 6; i++)
        ck_assert(counts[i] > 850 && counts[i] < 1150);
}
END_TEST

START_TEST(test_sample_and_choice)
{
    Rng r;
    rng_init(&r, 5);
    size_t out[5];
    rng_sample(&r, 8, 5, out);
    for (int i = 0; i < 5; i++) {
        ck_assert_uint_lt(out[i], 8);
        for (int j = 0; j < i; j++)
            ck_assert_uint_ne(out[i], out[j]);
    }
    const char *items[] = {"a", "b", "c"};
    int hit[3] = {0};
    for (int i = 0; i < 300; i++) {
        const char *c = rng_choice(&r, items, 3);
        hit[c[0] - 'a']++;
    }
    ck_assert(hit[0] && hit[1] && hit[2]);
    ck_assert_uint_eq(rng_derive(1, "gen.regex", 2, 0), rng_derive(1, "gen.regex", 2, 0));
    ck_assert(rng_derive(1, "gen.regex", 2, 0) != rng_derive(1, "gen.regex", 2, 1));
    ck_assert(rng_derive(1, "gen.regex", 2, 0) != rng_derive(1, "gen.regexp", 2, 0));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_int_range_inclusive);
    tcase_add_test(tc, test_shuffle_unbiased);
    tcase_add_test(tc, test_sample_and_choice);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
