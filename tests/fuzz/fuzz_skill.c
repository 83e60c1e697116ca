/* fuzz_skill.c: the SKILL.md loader (frontmatter split, YAML, UTF-8 checks) and lint. */
#include <stdint.h>
#include <stddef.h>

#include "core/lint.h"
#include "core/skill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Skill *s;
    if (skill_load_text((const char *)data, size, "fuzz", &s, NULL) != SK_OK)
        return 0;
    SkVec diags;
    lint_diags_init(&diags);
    lint_run(s, NULL, &diags);
    for (size_t i = 1; i <= s->nlines; i++) {
        size_t n;
        (void)skill_line(s, i, &n);
    }
    sk_vec_done(&diags);
    skill_free(s);
    return 0;
}
