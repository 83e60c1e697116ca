/* sandbox.h: work directories, path confinement for the file tools, and the command runner.
 *
 * Work directories live under $SKVM_HOME/runs/<run-id>/work. File tools resolve every path
 * through sandbox_open(): absolute paths outside the work directory, ".." escapes and
 * symlinks that lead out are refused with an error text a model can read.
 *
 * sandbox_run() runs a command (argv, or a shell line through sandbox_run_shell()) with:
 *   - its own session and process group, cwd = the work directory;
 *   - an environment built from scratch (PATH, HOME = work dir, LANG, TERM, TMPDIR and
 *     whatever the caller adds): nothing of the parent's environment leaks through, so API
 *     keys and SKVM_* secrets never reach the command;
 *   - resource limits: CPU seconds, address space, file size, open files, and a process
 *     count (a pids cgroup when the process may create one, else RLIMIT_NPROC, which the
 *     kernel does not enforce for root: then the run record says so);
 *   - a wall-clock timeout and cancellation that kill the whole process group (and the
 *     whole cgroup / pid namespace when those are in use);
 *   - captured stdout/stderr, each capped (head and tail kept, a marker in between);
 *   - bubblewrap (bwrap) when it is installed and works: no network, a read-only view of
 *     the whole file system, the work directory writable, a private /tmp, its own pid
 *     namespace, no capabilities. Without bwrap, sandbox_describe() and the result say so.
 * The runner is thread-safe (several commands may run at once from different threads). */
#ifndef SKVM_CORE_SANDBOX_H
#define SKVM_CORE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* ---- work directories ---- */

/* Create $HOME_DIR/runs/<run_id>/work (HOME_DIR NULL: sk_home_dir()) and return its
 * canonical absolute path in *OUT (free it). An existing folder is reused. */
SkStatus sandbox_workdir_create(const char *home_dir, const char *run_id, char **out,
                                SkError *err);

/* ---- path confinement ---- */

/* Resolve PATH (relative to WORKDIR, or absolute inside it) for a file tool and open it
 * with open(2) FLAGS and MODE, never leaving WORKDIR: absolute paths elsewhere, ".."
 * escapes and symlinks pointing out fail with SK_ERR_SANDBOX and a message like
 * "access denied: '../x' leaves the work directory". A missing file is SK_ERR_NOT_FOUND.
 * With O_CREAT, missing parent folders are created (inside WORKDIR only). Uses openat2
 * RESOLVE_BENEATH where the kernel has it (no race with concurrent symlink creation),
 * else a component-by-component check with O_NOFOLLOW. *FD gets the descriptor. */
SkStatus sandbox_open(const char *workdir, const char *path, int flags, int mode, int *fd,
                      SkError *err);

/* The normalized path of PATH relative to WORKDIR ("." for the root) when it stays inside
 * lexically (no symlink check); SK_ERR_SANDBOX otherwise. New string in *OUT. */
SkStatus sandbox_rel_path(const char *workdir, const char *path, char **out, SkError *err);

/* ---- the command runner ---- */

typedef enum SandboxMode {
    SANDBOX_AUTO = 0, /* bwrap when available, else plain process limits */
    SANDBOX_BWRAP,    /* require bwrap: fail with SK_ERR_UNSUPPORTED when it is missing */
    SANDBOX_PLAIN     /* never use bwrap */
} SandboxMode;

typedef struct SandboxLimits {
    int timeout_ms;       /* wall clock; 0: 30000; < 0: none */
    int cpu_seconds;      /* RLIMIT_CPU; 0: 60; < 0: none */
    int64_t mem_bytes;    /* RLIMIT_AS; 0: 4 GiB; < 0: none */
    int64_t file_bytes;   /* RLIMIT_FSIZE; 0: 256 MiB; < 0: none */
    int max_procs;        /* processes/threads in the command; 0: 128; < 0: none */
    size_t max_output;    /* bytes kept per stream; 0: 64 KiB (head 3/4 + tail 1/4) */
} SandboxLimits;

typedef struct SandboxOptions {
    const char *workdir;       /* cwd and the only writable folder (required) */
    SandboxMode mode;
    SandboxLimits limits;
    const char *const *env;    /* extra "NAME=value" entries (NULL-terminated), may be NULL */
    const char *const *ro_paths; /* extra folders to show (read-only) in bwrap; informative
                                  * otherwise (the whole root is already visible) */
    const char *extra_path;    /* prepended to PATH (e.g. a tools folder); may be NULL */
    const char *stdin_text;    /* fed to stdin; NULL: /dev/null */
    bool allow_network;        /* bwrap only: keep the network namespace */
    volatile int *cancel;      /* non-zero from any thread: kill the group; may be NULL */
} SandboxOptions;

void sandbox_options_init(SandboxOptions *o, const char *workdir);

typedef struct SandboxResult {
    int exit_code;        /* exit status, 128+signal when killed, -1 when it never ran */
    int term_signal;      /* signal that ended it, 0 if none */
    bool timed_out;       /* killed by the wall-clock timeout */
    bool cancelled;       /* killed because *cancel was set */
    bool cpu_limit;       /* killed by SIGXCPU/SIGKILL after RLIMIT_CPU */
    bool file_limit;      /* got SIGXFSZ (file size limit) */
    char *out;            /* captured stdout (capped, with a marker when cut); never NULL */
    char *err;            /* captured stderr; never NULL */
    size_t out_total;     /* bytes the command wrote to stdout (before capping) */
    size_t err_total;
    bool out_cut, err_cut;
    int64_t duration_ms;
    bool bwrap;           /* ran inside bubblewrap */
    bool procs_limited;   /* the process count limit is really enforced */
    char *note;           /* e.g. "no bwrap: network and file system not isolated"; may be NULL */
} SandboxResult;

void sandbox_result_done(SandboxResult *r);

/* Run ARGV (argv[0] searched in the sandbox PATH) under OPTS. SK_OK whenever the command
 * was started (look at R for how it ended); SK_ERR_IO / SK_ERR_UNSUPPORTED when it could not
 * be started. R is always initialized (free with sandbox_result_done). */
SkStatus sandbox_run(const char *const *argv, const SandboxOptions *opts, SandboxResult *r,
                     SkError *err);
/* Run COMMAND with /bin/sh -c. */
SkStatus sandbox_run_shell(const char *command, const SandboxOptions *opts, SandboxResult *r,
                           SkError *err);

/* Is bubblewrap installed and able to create a sandbox here? Probed once (thread-safe). */
bool sandbox_bwrap_available(void);
/* One line describing the isolation commands get in MODE on this machine, for run records
 * (e.g. "bwrap: no network, read-only root, private /tmp; pids cgroup"). Static string. */
const char *sandbox_describe(SandboxMode mode);

/* Cut TEXT (LEN bytes) to at most MAX bytes, keeping the head and the tail at UTF-8
 * boundaries, with "[... N bytes omitted ...]" between. New string. */
char *sandbox_cap_text(const char *text, size_t len, size_t max);

#endif
