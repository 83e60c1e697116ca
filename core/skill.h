/* skill.h: load an agent skill folder (SKILL.md frontmatter + body + bundle inventory).
 *
 * Loading is lenient: frontmatter problems (none, unclosed, invalid YAML, not a mapping)
 * do not fail the load; they become error diagnostics on the Skill, and the frontmatter
 * is then an empty object. Only input that cannot be read fails: a missing folder or
 * SKILL.md, a binary or invalid UTF-8 SKILL.md, or one over SKILL_MAX_BYTES.
 * A Skill is a read-only view once loaded; free it with skill_free(). */
#ifndef SKVM_CORE_SKILL_H
#define SKVM_CORE_SKILL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define SKILL_MAX_BYTES (1u << 20)        /* SKILL.md cap: 1 MiB */
#define SKILL_MAX_BUNDLE_FILES 5000       /* inventory cap */
#define SKILL_MAX_BUNDLE_READ (8u << 20)  /* largest bundle file read for hashing/analysis */

typedef enum SkillFileKind {
    SKILL_FILE_SCRIPT,
    SKILL_FILE_REFERENCE,
    SKILL_FILE_ASSET,
    SKILL_FILE_OTHER,
} SkillFileKind;

typedef struct SkillFile {
    char *path;         /* relative to the skill folder, '/'-separated */
    long long size;     /* bytes */
    SkillFileKind kind;
    bool is_text;       /* valid UTF-8 with no NUL in its first 64 KiB */
    bool skipped;       /* a symlink pointing outside the folder (not followed) */
} SkillFile;

typedef enum SkillDiagLevel { SKILL_DIAG_ERROR, SKILL_DIAG_WARNING } SkillDiagLevel;

typedef struct SkillDiag {
    char *file;         /* relative path ("SKILL.md") */
    int line;           /* 1-based; 0 = whole file */
    SkillDiagLevel level;
    char *msg;
} SkillDiag;

typedef struct Skill {
    char *dir;          /* the folder as given (no trailing '/') */
    char *id;           /* folder basename */
    char *skill_path;   /* dir + "/SKILL.md" */
    char *content;      /* SKILL.md text, BOM removed, CRLF folded to LF; NUL-terminated */
    size_t content_len;
    bool had_crlf;      /* the file used CRLF line endings */
    bool has_frontmatter;   /* a well-formed, mapping frontmatter block was found */
    json_t *frontmatter;    /* object (empty when absent or broken); keys in file order */
    json_t *fm_key_lines;   /* object: top-level key -> 1-based line in SKILL.md */
    int fm_end_line;        /* line of the closing '---' (0 when none) */
    size_t body_off;        /* byte offset of the body in content */
    int body_line;          /* 1-based line where the body starts */
    const char *name;        /* frontmatter name, else the folder basename (borrowed) */
    const char *description; /* frontmatter description, else "" (borrowed) */
    size_t *line_off;   /* start offset of each line of content */
    size_t nlines;
    SkVec files;        /* SkillFile *, sorted by path, SKILL.md excluded */
    SkVec diags;        /* SkillDiag *, in discovery order */
    char hash[65];      /* SHA-256 over SKILL.md and every bundle file (sorted by path) */
} Skill;

/* Load a skill from a folder or from the path of its SKILL.md. On failure *out is NULL and
 * ERR says why (SK_ERR_NOT_FOUND, SK_ERR_INVALID, SK_ERR_TOO_LARGE, SK_ERR_IO). */
SkStatus skill_load(const char *path, Skill **out, SkError *err);
/* Parse an in-memory SKILL.md (for fuzzing and tests): no bundle, dir "." and id ID. */
SkStatus skill_load_text(const char *text, size_t len, const char *id, Skill **out,
                         SkError *err);
void skill_free(Skill *s);

/* Line N (1-based) of SKILL.md: pointer into content and its length without '\n'.
 * Returns NULL when N is out of range. */
const char *skill_line(const Skill *s, size_t n, size_t *len);
/* The 16-hex-digit short hash (reference-compatible contentHash). OUT: 17 bytes. */
void skill_short_hash(const Skill *s, char out[17]);
/* Find a bundle file by relative path; NULL when absent. Borrowed. */
const SkillFile *skill_find_file(const Skill *s, const char *relpath);
/* Read a bundle file (or "SKILL.md") by relative path, refusing paths that leave the folder.
 * At most MAX bytes (0 = SKILL_MAX_BUNDLE_READ). *OUT is NUL-terminated; free() it. */
SkStatus skill_read_file(const Skill *s, const char *relpath, size_t max, char **out,
                         size_t *len, SkError *err);
/* Count diagnostics of LEVEL. */
size_t skill_diag_count(const Skill *s, SkillDiagLevel level);
const char *skill_file_kind_name(SkillFileKind k); /* "script", "reference", ... */
/* Add a diagnostic (used by the loader and by lint). */
void skill_diag_add(Skill *s, const char *file, int line, SkillDiagLevel level,
                    const char *fmt, ...) ATTR_FORMAT(5, 6);

#endif
