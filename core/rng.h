/* rng.h: a small seeded deterministic random generator (splitmix64 seeding, xoshiro256**).
 *
 * The same seed gives the same sequence on every machine, so a profile instance can be
 * regenerated exactly from its recorded seed. Not for cryptography. */
#ifndef SKVM_CORE_RNG_H
#define SKVM_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct Rng {
    uint64_t s[4];
} Rng;

/* Seed the state from SEED through splitmix64 (any seed, including 0, is fine). */
void rng_init(Rng *r, uint64_t seed);
/* splitmix64 step: mixes *STATE and advances it (handy to derive sub-seeds). */
uint64_t rng_splitmix64(uint64_t *state);
/* Next 64 random bits. */
uint64_t rng_next(Rng *r);
/* Uniform double in [0, 1). */
double rng_double(Rng *r);
/* Uniform integer in [LO, HI], both ends inclusive, without modulo bias. LO > HI is
 * treated as swapped. */
long long rng_int(Rng *r, long long lo, long long hi);
/* Uniform index in [0, N) (N > 0). */
size_t rng_index(Rng *r, size_t n);
/* A uniformly chosen element of the string array ITEMS[N] (borrowed). */
const char *rng_choice(Rng *r, const char *const *items, size_t n);
/* Unbiased Fisher-Yates shuffle of N elements of SIZE bytes each. */
void rng_shuffle(Rng *r, void *base, size_t n, size_t size);
/* Choose K distinct indexes of [0, N) in random order into OUT[K] (K <= N). */
void rng_sample(Rng *r, size_t n, size_t k, size_t *out);
/* Derive a stable 64-bit seed from a base seed and a text key plus two numbers
 * (e.g. primitive id, level, instance index). */
uint64_t rng_derive(uint64_t base, const char *key, long long a, long long b);

#endif
