/* variant_name.c: the store name of a skill (see variant_name.h). */
#include "core/variant_name.h"

#include <ctype.h>

#include "core/variants.h"

char *variant_name_of_skill(const Skill *s)
{
    if (s->id && variants_valid_skill_name(s->id))
        return sk_strdup(s->id);
    if (s->name && variants_valid_skill_name(s->name))
        return sk_strdup(s->name);
    SkBuf b;
    sk_buf_init(&b);
    for (const char *c = s->id ? s->id : ""; *c; c++)
        sk_buf_putc(&b, isalnum((unsigned char)*c) || *c == '-' || *c == '_' ? *c : '-');
    if (b.data && b.data[0] != '-')
        return sk_buf_steal(&b);
    sk_buf_done(&b);
    return sk_strdup("skill");
}
