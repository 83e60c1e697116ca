/* variant_name.h: the name under which a skill's variants are stored ($SKVM_HOME/variants/
 * <name>/), so that readers of the store (the workbench's compare view and plan pane) find
 * what `skvm compile` wrote. The rule is the compiler's (core/compile.c): the folder name
 * when it is a valid store name, else the frontmatter name when valid, else the folder name
 * with every other character replaced by '-' ("skill" when nothing usable is left). */
#ifndef SKVM_CORE_VARIANT_NAME_H
#define SKVM_CORE_VARIANT_NAME_H

#include "core/skill.h"

/* The store name of S. New string; never NULL. */
char *variant_name_of_skill(const Skill *s);

#endif
