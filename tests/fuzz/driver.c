/* driver.c: replays a fuzz target over its seed corpus and deterministic mutations of each
 * seed (bit flips, truncations, insertions of interesting bytes, splices), so every build
 * exercises the parsers with hostile input even without libFuzzer.
 * Usage: fuzz_<name>_replay CORPUS_DIR [MUTATIONS_PER_SEED] */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static const char *const tokens[] = {"---\n", "\n", ":", " ", "- ", "[", "]", "{", "}", "&a ",
                                     "*a", "\"", "'", "|\n", ">\n", "\xff", "\xc3", "\0",
                                     "\r\n", "```", "#", "data: ", "event: ", "\t", "\\u0000"};

static void mutate(const char *in, size_t n, SkBuf *out)
{
    sk_buf_reset(out);
    sk_buf_append(out, in, n);
    int rounds = 1 + (int)(next_rand() % 4);
    for (int r = 0; r < rounds; r++) {
        size_t len = out->len;
        size_t pos = len ? next_rand() % (len + 1) : 0;
        switch (next_rand() % 5) {
        case 0: /* flip a bit */
            if (len)
                out->data[pos % len] ^= (char)(1u << (next_rand() % 8));
            break;
        case 1: /* truncate */
            out->len = pos;
            out->data[pos] = '\0';
            break;
        case 2: { /* insert a token */
            const char *t = tokens[next_rand() % SK_ARRAY_LEN(tokens)];
            size_t tl = t[0] ? strlen(t) : 1;
            sk_buf_reserve(out, tl);
            memmove(out->data + pos + tl, out->data + pos, len - pos + 1);
            memcpy(out->data + pos, t, tl);
            out->len += tl;
            break;
        }
        case 3: /* duplicate a slice */
            if (len) {
                size_t a = next_rand() % len, b = a + next_rand() % (len - a);
                char *slice = sk_strndup(out->data + a, b - a);
                sk_buf_reserve(out, b - a);
                memmove(out->data + pos + (b - a), out->data + pos, len - pos + 1);
                memcpy(out->data + pos, slice, b - a);
                out->len += b - a;
                free(slice);
            }
            break;
        default: /* delete a slice */
            if (len) {
                size_t a = next_rand() % len, b = a + next_rand() % (len - a);
                memmove(out->data + a, out->data + b, len - b + 1);
                out->len -= b - a;
            }
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR [MUTATIONS]\n", argv[0]);
        return 2;
    }
    long mutations = argc > 2 ? atol(argv[2]) : 1000;
    DIR *d = opendir(argv[1]);
    if (!d) {
        fprintf(stderr, "%s: cannot open corpus\n", argv[1]);
        return 2;
    }
    struct dirent *e;
    size_t seeds = 0, runs = 0;
    SkBuf m = SK_BUF_INIT;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = sk_path_join(argv[1], e->d_name);
        char *data;
        size_t n;
        if (sk_read_file(p, 1 << 20, &data, &n, NULL) == SK_OK) {
            seeds++;
            LLVMFuzzerTestOneInput((const uint8_t *)data, n);
            runs++;
            for (long i = 0; i < mutations; i++) {
                mutate(data, n, &m);
                LLVMFuzzerTestOneInput((const uint8_t *)m.data, m.len);
                runs++;
            }
            free(data);
        }
        free(p);
    }
    closedir(d);
    sk_buf_done(&m);
    printf("%zu seeds, %zu inputs, no crash\n", seeds, runs);
    return seeds ? 0 : 1;
}
