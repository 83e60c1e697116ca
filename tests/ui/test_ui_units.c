/* test_ui_units.c: the workbench's data modules without a screen: key names, key maps with
 * user overrides and conflicts, themes (built-in and broken files), steps files. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/testlib.h"
#include "ui/keymap.h"
#include "ui/script.h"
#include "ui/theme.h"

START_TEST(test_key_names_round_trip)
{
    const char *names[] = {"j",   "G",     "?",     "C-r",       "Enter", "Esc",
                           "Tab", "S-Tab", "PgDn",  "PgUp",      "Home",  "End",
                           "F1",  "F12",   "Space", "Backspace", "é",     "決"};
    for (size_t i = 0; i < SK_ARRAY_LEN(names); i++) {
        int k = keymap_key_parse(names[i]);
        ck_assert_msg(k >= 0, "cannot parse %s", names[i]);
        char back[24];
        keymap_key_name(k, back, sizeof back);
        ck_assert_str_eq(back, names[i]);
    }
    ck_assert_int_eq(keymap_key_parse("C-"), -1);
    ck_assert_int_eq(keymap_key_parse("NoSuchKey"), -1);
    ck_assert_int_eq(keymap_key_parse(""), -1);
    ck_assert_int_eq(keymap_key_normalize('\n', false), KEYMAP_ENTER);
    ck_assert_int_eq(keymap_key_normalize(127, false), keymap_key_parse("Backspace"));
}
END_TEST

START_TEST(test_actions_table)
{
    ck_assert_int_eq(keymap_action_find("heatmap"), ACTION_HEATMAP);
    ck_assert_int_eq(keymap_action_find("no-such"), -1);
    for (int a = 0; a < ACTION_COUNT; a++) {
        ck_assert_int_eq(keymap_action_find(keymap_action_name((Action)a)), a);
        ck_assert(strlen(keymap_action_help((Action)a)) > 5);
    }
}
END_TEST

START_TEST(test_default_keymap)
{
    SkVec problems;
    sk_vec_init(&problems, free);
    Keymap *km = keymap_load(NULL, &problems);
    ck_assert_msg(problems.len == 0, "built-in keys.yaml has problems: %s",
                  problems.len ? (char *)sk_vec_get(&problems, 0) : "");
    ck_assert_int_eq(keymap_lookup(km, "source", 'j'), ACTION_MOVE_DOWN);
    ck_assert_int_eq(keymap_lookup(km, "caps", 'h'), ACTION_HEATMAP);
    ck_assert_int_eq(keymap_lookup(km, "source", 'h'), ACTION_MOVE_LEFT);
    ck_assert_int_eq(keymap_lookup(km, "nosuchpane", 'q'), ACTION_QUIT);
    ck_assert_int_eq(keymap_lookup(km, "generic", 'x'), ACTION_NONE);
    /* Every action but none is reachable by some key in some keymap. */
    const char *scopes[16];
    size_t ns = keymap_scopes(km, scopes, 16);
    for (int a = 1; a < ACTION_COUNT; a++) {
        bool bound = false;
        for (size_t s = 0; s < ns && !bound; s++) {
            char keys[64];
            keymap_keys_for(km, scopes[s], (Action)a, keys, sizeof keys);
            bound = *keys != '\0';
        }
        ck_assert_msg(bound, "action %s has no default key", keymap_action_name((Action)a));
    }
    keymap_free(km);
    sk_vec_done(&problems);
}
END_TEST

START_TEST(test_user_keymap_overrides_and_conflicts)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "keys.yaml",
             "generic:\n"
             "  \"x\": heatmap\n"
             "  \"q\": help\n" /* conflict: q was quit */
             "  \"C-q\": quit\n"
             "  \"Hyper-k\": help\n" /* unknown key */
             "  \"y\": fly-away\n"   /* unknown action */
             "caps: [1, 2]\n");      /* not a mapping */
    char *path = sk_path_join(dir, "keys.yaml");
    SkVec problems;
    sk_vec_init(&problems, free);
    Keymap *km = keymap_load(path, &problems);
    ck_assert_int_eq(keymap_lookup(km, "generic", 'x'), ACTION_HEATMAP);
    ck_assert_int_eq(keymap_lookup(km, "generic", 'q'), ACTION_HELP);
    ck_assert_int_eq(keymap_lookup(km, "generic", 17), ACTION_QUIT);
    SkBuf all;
    sk_buf_init(&all);
    for (size_t i = 0; i < problems.len; i++)
        sk_buf_printf(&all, "%s\n", (char *)sk_vec_get(&problems, i));
    const char *msgs = sk_buf_cstr(&all);
    ck_assert_msg(strstr(msgs, "'q' was 'quit', now 'help'"), "%s", msgs);
    ck_assert_msg(strstr(msgs, "unknown key name 'Hyper-k'"), "%s", msgs);
    ck_assert_msg(strstr(msgs, "unknown action 'fly-away'"), "%s", msgs);
    ck_assert_msg(strstr(msgs, "keymap 'caps' must map keys to actions"), "%s", msgs);
    sk_buf_done(&all);
    keymap_free(km);
    sk_vec_done(&problems);
    free(path);
}
END_TEST

START_TEST(test_builtin_themes_load_clean)
{
    for (const char *const *n = theme_builtin_names(); *n; n++) {
        SkError err;
        Theme *t = theme_load(*n, &err);
        ck_assert_msg(t, "theme %s: %s", *n, err.msg);
        ck_assert_msg(t->problems.len == 0, "theme %s: %s", *n,
                      t->problems.len ? (char *)sk_vec_get(&t->problems, 0) : "");
        theme_free(t);
    }
    SkError err;
    ck_assert_ptr_null(theme_load("no-such-theme", &err));
    ck_assert_int_eq(err.code, SK_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_broken_theme_reports_lines)
{
    const char *dir = tl_tmpdir();
    tl_write(dir, "bad.yaml",
             "styles:\n"
             "  heading: {fg: ultraviolet}\n"
             "  no-such-style: {fg: red}\n"
             "  selection: {fg: red, attrs: [blink]}\n"
             "  error: red\n"
             "  label: {fg: 196, bg: bright-black, attrs: bold}\n");
    char *path = sk_path_join(dir, "bad.yaml");
    SkError err;
    Theme *t = theme_load(path, &err);
    ck_assert_msg(t, "%s", err.msg);
    ck_assert_int_eq(t->problems.len, 4);
    ck_assert_int_eq(t->styles[STYLE_SELECTION].fg, 1); /* the good part of a bad entry */
    ck_assert_int_eq(t->styles[STYLE_LABEL].fg, 196);
    ck_assert_int_eq(t->styles[STYLE_LABEL].bg, 8);
    ck_assert_uint_eq(t->styles[STYLE_LABEL].attrs, THEME_BOLD);
    theme_free(t);
    tl_write(dir, "list.yaml", "- not\n- a mapping\n");
    char *p2 = sk_path_join(dir, "list.yaml");
    ck_assert_ptr_null(theme_load(p2, &err));
    ck_assert_int_eq(err.code, SK_ERR_INVALID);
    tl_write(dir, "syntax.yaml", "styles: {heading: [\n");
    char *p3 = sk_path_join(dir, "syntax.yaml");
    ck_assert_ptr_null(theme_load(p3, &err));
    ck_assert_msg(strstr(err.msg, "syntax.yaml"), "%s", err.msg);
    free(path);
    free(p2);
    free(p3);
}
END_TEST

START_TEST(test_script_parse)
{
    Script *s = NULL;
    SkError err;
    ck_assert_int_eq(script_parse("# comment\n\n:save-screen a\n<Down><Enter>jé\n"
                                  "<Click:3,4>\n/x y<Enter>\n",
                                  "steps", &s, &err),
                     SK_OK);
    const ScriptItem *it = script_next(s);
    ck_assert_int_eq(it->kind, SCRIPT_COMMAND);
    ck_assert_str_eq(it->command, "save-screen a");
    ck_assert_int_eq(script_next(s)->key, keymap_key_parse("Down"));
    ck_assert_int_eq(script_next(s)->key, KEYMAP_ENTER);
    ck_assert_int_eq(script_next(s)->key, 'j');
    ck_assert_int_eq(script_next(s)->key, 0xE9);
    it = script_next(s);
    ck_assert_int_eq(it->kind, SCRIPT_MOUSE);
    ck_assert_int_eq(it->y, 3);
    ck_assert_int_eq(it->x, 4);
    const int want[] = {'/', 'x', ' ', 'y', KEYMAP_ENTER};
    for (size_t i = 0; i < SK_ARRAY_LEN(want); i++)
        ck_assert_int_eq(script_next(s)->key, want[i]);
    ck_assert_ptr_null(script_next(s));
    ck_assert(script_done(s));
    script_free(s);
    ck_assert_int_eq(script_parse("j\n<Nope>\n", "steps", &s, &err), SK_ERR_PARSE);
    ck_assert_str_eq(err.msg, "steps:2: unknown key <Nope>");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ui_units");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, test_key_names_round_trip);
    tcase_add_test(tc, test_actions_table);
    tcase_add_test(tc, test_default_keymap);
    tcase_add_test(tc, test_user_keymap_overrides_and_conflicts);
    tcase_add_test(tc, test_builtin_themes_load_clean);
    tcase_add_test(tc, test_broken_theme_reports_lines);
    tcase_add_test(tc, test_script_parse);
    suite_add_tcase(s, tc);
    return tl_run_suite(s);
}
