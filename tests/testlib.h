/* testlib.h: helpers shared by the Check suites. */
#ifndef SKVM_TESTS_TESTLIB_H
#define SKVM_TESTS_TESTLIB_H

#include <check.h>
#include <stdbool.h>

/* The public reference data (../shared/reference from the repository root, or
 * $SKVM_REFERENCE_DIR), or NULL when it is not there. Borrowed. */
const char *tl_reference_dir(void);
/* Path under the reference data; NULL when the data is absent. New string. */
char *tl_reference_path(const char *rel);
/* The repository root (compile-time SKVM_SOURCE_DIR unless $SKVM_SOURCE_DIR). Borrowed. */
const char *tl_source_dir(void);
/* Path of a file in the repository. New string. */
char *tl_source_path(const char *rel);
/* A fresh temporary folder, removed at exit. Borrowed (valid until exit). */
const char *tl_tmpdir(void);
/* Write TEXT to DIR/REL (creating folders). */
void tl_write(const char *dir, const char *rel, const char *text);
/* Set SKVM_HOME to a fresh temporary folder and return it. */
const char *tl_fresh_home(void);
/* Run a shell command; capture stdout (and stderr when MERGE) into *OUT (free it).
 * Returns the exit status (or 128+signal). */
int tl_run(const char *cmd, bool merge, char **out);
/* The skvm binary under test ($SKVM_BIN). */
const char *tl_skvm_bin(void);

/* Skip the rest of a test (prints why). Use only for optional data or tools. */
#define TL_SKIP(why)                                                                               \
    do {                                                                                           \
        fprintf(stderr, "SKIP %s: %s\n", __func__, why);                                          \
        return;                                                                                    \
    } while (0)

#define TL_REQUIRE_REFERENCE()                                                                     \
    do {                                                                                           \
        if (!tl_reference_dir())                                                                   \
            TL_SKIP("../shared/reference is not present");                                         \
    } while (0)

/* Run one suite; returns the process exit status (0 all passed). */
int tl_run_suite(Suite *s);

#endif
