/* rng.c: seeded deterministic random numbers (splitmix64 + xoshiro256**). */
#include "core/rng.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void rng_init(Rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(Rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_double(Rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, bound) by rejection (Lemire-style threshold on the low range). */
static uint64_t rng_below(Rng *r, uint64_t bound)
{
    if (bound == 0)
        return rng_next(r); /* full 64-bit range */
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t x = rng_next(r);
        if (x >= threshold)
            return x % bound;
    }
}

long long rng_int(Rng *r, long long lo, long long hi)
{
    if (lo > hi) {
        long long t = lo;
        lo = hi;
        hi = t;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0 means the whole range */
    return (long long)((uint64_t)lo + rng_below(r, span));
}

size_t rng_index(Rng *r, size_t n)
{
    return n ? (size_t)rng_below(r, (uint64_t)n) : 0;
}

const char *rng_choice(Rng *r, const char *const *items, size_t n)
{
    return n ? items[rng_index(r, n)] : NULL;
}

void rng_shuffle(Rng *r, void *base, size_t n, size_t size)
{
    if (n < 2 || size == 0)
        return;
    unsigned char *p = base;
    unsigned char tmp[64];
    unsigned char *t = size <= sizeof tmp ? tmp : sk_malloc(size);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)rng_below(r, (uint64_t)i + 1);
        if (j != i) {
            memcpy(t, p + i * size, size);
            memcpy(p + i * size, p + j * size, size);
            memcpy(p + j * size, t, size);
        }
    }
    if (t != tmp)
        free(t);
}

void rng_sample(Rng *r, size_t n, size_t k, size_t *out)
{
    if (k > n)
        k = n;
    if (k == 0)
        return;
    size_t *all = sk_malloc(n * sizeof *all);
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    /* partial Fisher-Yates: the first k slots become the sample */
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)rng_below(r, (uint64_t)(n - i));
        size_t t = all[i];
        all[i] = all[j];
        all[j] = t;
        out[i] = all[i];
    }
    free(all);
}

uint64_t rng_derive(uint64_t base, const char *key, long long a, long long b)
{
    /* FNV-1a over the key, then mixed with the numbers through splitmix64 */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    uint64_t st = base ^ h;
    uint64_t x = rng_splitmix64(&st);
    st ^= (uint64_t)a * 0x9E3779B97F4A7C15ULL;
    x ^= rng_splitmix64(&st);
    st ^= (uint64_t)b * 0xC2B2AE3D27D4EB4FULL;
    x ^= rng_splitmix64(&st);
    return x;
}
