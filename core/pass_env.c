/* pass_env.c: compiler pass 2, environment binding (see pass_env.h). */
#include "core/pass_env.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/js.h"
#include "core/pass_caps.h"
#include "core/sandbox.h"

#define ENV_PROBE_TIMEOUT_MS 15000
#define ENV_VERIFY_TIMEOUT_MS 300000
#define ENV_MAX_EVIDENCE 3
#define ENV_MAX_FILE (256u * 1024u)

/* Length of the longest prefix of S of at most MAX bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    if (s[n] == '\0')
        return n;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* ---- tables ---- */

/* Python standard library top-level modules (sys.stdlib_module_names, public ones). */
static const char *const py_stdlib[] = {
    "abc", "aifc", "antigravity", "argparse", "array", "ast", "asynchat", "asyncio",
    "asyncore", "atexit", "audioop", "base64", "bdb", "binascii", "bisect", "builtins", "bz2",
    "cProfile", "calendar", "cgi", "cgitb", "chunk", "cmath", "cmd", "code", "codecs",
    "codeop", "collections", "colorsys", "compileall", "concurrent", "configparser",
    "contextlib", "contextvars", "copy", "copyreg", "crypt", "csv", "ctypes", "curses",
    "dataclasses", "datetime", "dbm", "decimal", "difflib", "dis", "distutils", "doctest",
    "email", "encodings", "ensurepip", "enum", "errno", "faulthandler", "fcntl", "filecmp",
    "fileinput", "fnmatch", "fractions", "ftplib", "functools", "gc", "genericpath", "getopt",
    "getpass", "gettext", "glob", "graphlib", "grp", "gzip", "hashlib", "heapq", "hmac",
    "html", "http", "idlelib", "imaplib", "imghdr", "imp", "importlib", "inspect", "io",
    "ipaddress", "itertools", "json", "keyword", "lib2to3", "linecache", "locale", "logging",
    "lzma", "mailbox", "mailcap", "marshal", "math", "mimetypes", "mmap", "modulefinder",
    "msilib", "msvcrt", "multiprocessing", "netrc", "nis", "nntplib", "nt", "ntpath",
    "nturl2path", "numbers", "opcode", "operator", "optparse", "os", "ossaudiodev", "pathlib",
    "pdb", "pickle", "pickletools", "pipes", "pkgutil", "platform", "plistlib", "poplib",
    "posix", "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile", "pyclbr",
    "pydoc", "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib",
    "resource", "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve",
    "shlex", "shutil", "signal", "site", "smtpd", "smtplib", "sndhdr", "socket",
    "socketserver", "spwd", "sqlite3", "sre_compile", "sre_constants", "sre_parse", "ssl",
    "stat", "statistics", "string", "stringprep", "struct", "subprocess", "sunau", "symtable",
    "sys", "sysconfig", "syslog", "tabnanny", "tarfile", "telnetlib", "tempfile", "termios",
    "textwrap", "this", "threading", "time", "timeit", "tkinter", "token", "tokenize",
    "tomllib", "trace", "traceback", "tracemalloc", "tty", "turtle", "turtledemo", "types",
    "typing", "unicodedata", "unittest", "urllib", "uu", "uuid", "venv", "warnings", "wave",
    "weakref", "webbrowser", "winreg", "winsound", "wsgiref", "xdrlib", "xml", "xmlrpc",
    "zipapp", "zipfile", "zipimport", "zlib", "zoneinfo",
};

typedef struct PyMap {
    const char *module;
    const char *package;
} PyMap;

/* Import name -> distribution name where they differ. */
static const PyMap py_map[] = {
    {"PIL", "pillow"},
    {"yaml", "pyyaml"},
    {"cv2", "opencv-python"},
    {"sklearn", "scikit-learn"},
    {"docx", "python-docx"},
    {"pptx", "python-pptx"},
    {"bs4", "beautifulsoup4"},
    {"dateutil", "python-dateutil"},
    {"dotenv", "python-dotenv"},
    {"fitz", "pymupdf"},
    {"magic", "python-magic"},
    {"jwt", "pyjwt"},
    {"serial", "pyserial"},
    {"Crypto", "pycryptodome"},
    {"OpenSSL", "pyopenssl"},
    {"google", "google-api-python-client"},
    {"attr", "attrs"},
    {"skimage", "scikit-image"},
    {"win32api", "pywin32"},
    {"gi", "pygobject"},
    {"lxml", "lxml"},
    {"pypdf", "pypdf"},
    {"PyPDF2", "pypdf2"},
    {"fontTools", "fonttools"},
    {"markdown", "markdown"},
    {"zmq", "pyzmq"},
    {"usb", "pyusb"},
    {"sentence_transformers", "sentence-transformers"},
    {"playwright", "playwright"},
};

static const char *const node_builtins[] = {
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib", "test",
};

typedef struct Tool {
    const char *command;
    const char *package; /* Debian package */
} Tool;

/* Shell commands a skill may rely on that are often not installed. */
static const Tool tools[] = {
    {"jq", "jq"},
    {"yq", "yq"},
    {"curl", "curl"},
    {"wget", "wget"},
    {"pandoc", "pandoc"},
    {"libreoffice", "libreoffice"},
    {"soffice", "libreoffice"},
    {"pdftotext", "poppler-utils"},
    {"pdftoppm", "poppler-utils"},
    {"pdfinfo", "poppler-utils"},
    {"pdfimages", "poppler-utils"},
    {"qpdf", "qpdf"},
    {"ffmpeg", "ffmpeg"},
    {"ffprobe", "ffmpeg"},
    {"convert", "imagemagick"},
    {"magick", "imagemagick"},
    {"identify", "imagemagick"},
    {"git", "git"},
    {"node", "nodejs"},
    {"npm", "npm"},
    {"npx", "npm"},
    {"python3", "python3"},
    {"pip", "python3-pip"},
    {"pip3", "python3-pip"},
    {"sqlite3", "sqlite3"},
    {"tesseract", "tesseract-ocr"},
    {"gh", "gh"},
    {"rg", "ripgrep"},
    {"unzip", "unzip"},
    {"zip", "zip"},
    {"make", "make"},
    {"gcc", "gcc"},
    {"docker", "docker.io"},
    {"xmllint", "libxml2-utils"},
    {"pdflatex", "texlive-latex-base"},
    {"xelatex", "texlive-xetex"},
    {"java", "default-jre"},
    {"dot", "graphviz"},
    {"rsvg-convert", "librsvg2-bin"},
    {"inkscape", "inkscape"},
    {"chromium", "chromium"},
    {"markitdown", NULL},
};

static int str_bsearch_cmp(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

bool pass_env_python_stdlib(const char *module)
{
    return bsearch(module, py_stdlib, SK_ARRAY_LEN(py_stdlib), sizeof py_stdlib[0],
                   str_bsearch_cmp) != NULL;
}

const char *pass_env_python_package(const char *module)
{
    if (pass_env_python_stdlib(module))
        return NULL;
    for (size_t i = 0; i < SK_ARRAY_LEN(py_map); i++)
        if (!strcmp(py_map[i].module, module))
            return py_map[i].package;
    return module;
}

bool pass_env_node_builtin(const char *module)
{
    if (sk_str_starts(module, "node:"))
        return true;
    for (size_t i = 0; i < SK_ARRAY_LEN(node_builtins); i++)
        if (!strcmp(node_builtins[i], module))
            return true;
    return false;
}

static const Tool *find_tool(const char *cmd)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(tools); i++)
        if (!strcmp(tools[i].command, cmd))
            return &tools[i];
    return NULL;
}

/* ---- the dependency list ---- */

static bool safe_name(const char *s)
{
    if (!*s || strlen(s) > 100 || s[0] == '-')
        return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr("._+-@/", *c))
            return false;
    return true;
}

static json_t *dep_find(json_t *deps, const char *type, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d) if (sk_str_eq(js_str(d, "type", ""), type) &&
                                       sk_str_eq(js_str(d, "name", ""), name)) return d;
    return NULL;
}

static void dep_add(json_t *deps, const char *type, const char *name, const char *module,
                    const char *command, const char *source, const char *file, int line,
                    const char *text)
{
    if (!safe_name(name) || (module && !safe_name(module)) || (command && !safe_name(command)))
        return;
    json_t *d = dep_find(deps, type, name);
    if (!d) {
        d = json_object();
        json_object_set_new(d, "name", json_string(name));
        json_object_set_new(d, "type", json_string(type));
        if (module)
            json_object_set_new(d, "module", json_string(module));
        if (command)
            json_object_set_new(d, "command", json_string(command));
        json_object_set_new(d, "source", json_string(source));
        json_object_set_new(d, "evidence", json_array());
        json_array_append_new(deps, d);
    } else if (module && !json_object_get(d, "module")) {
        json_object_set_new(d, "module", json_string(module));
    } else if (command && !json_object_get(d, "command")) {
        json_object_set_new(d, "command", json_string(command));
    }
    json_t *ev = json_object_get(d, "evidence");
    if (json_array_size(ev) < ENV_MAX_EVIDENCE) {
        size_t n = strlen(text);
        while (n > 0 && isspace((unsigned char)text[n - 1]))
            n--;
        while (n > 0 && isspace((unsigned char)*text)) {
            text++;
            n--;
        }
        if (n > 160) {
            n = 160;
            while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
                n--;
        }
        char *t = sk_strndup(text, n);
        json_array_append_new(ev, json_pack("{s:s,s:i,s:s}", "file", file, "line", line,
                                            "text", t));
        free(t);
    }
}

static void add_python_module(json_t *deps, const char *mod, const char *file, int line,
                              const char *text)
{
    if (!*mod || !(isalpha((unsigned char)mod[0]) || mod[0] == '_'))
        return;
    const char *pkg = pass_env_python_package(mod);
    if (!pkg)
        return;
    char *lower = sk_strdup(pkg);
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    dep_add(deps, "pip", lower, mod, NULL, "python-import", file, line, text);
    free(lower);
}

/* "import a, b.c as d" / "from x.y import z" */
static void scan_python_line(json_t *deps, const char *l, size_t len, const char *file,
                             int line, const char *full)
{
    char *s = sk_strndup(l, len);
    char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    char *hash = strchr(p, '#');
    if (hash)
        *hash = '\0';
    if (!strncmp(p, "import ", 7)) {
        char *list = p + 7;
        char *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ' || *tok == '\t' || *tok == '(')
                tok++;
            size_t n = 0;
            while (tok[n] && (isalnum((unsigned char)tok[n]) || tok[n] == '_'))
                n++;
            char *m = sk_strndup(tok, n);
            add_python_module(deps, m, file, line, full);
            free(m);
        }
    } else if (!strncmp(p, "from ", 5)) {
        char *m = p + 5;
        while (*m == ' ')
            m++;
        size_t n = 0;
        while (m[n] && (isalnum((unsigned char)m[n]) || m[n] == '_'))
            n++;
        if (n > 0 && strstr(m + n, " import ")) {
            char *mm = sk_strndup(m, n);
            add_python_module(deps, mm, file, line, full);
            free(mm);
        }
    }
    free(s);
}

static void add_node_module(json_t *deps, const char *spec, const char *file, int line,
                            const char *text)
{
    if (!*spec || spec[0] == '.' || spec[0] == '/' || pass_env_node_builtin(spec))
        return;
    char *name;
    const char *slash = strchr(spec, '/');
    if (spec[0] == '@' && slash) {
        const char *second = strchr(slash + 1, '/');
        name = second ? sk_strndup(spec, (size_t)(second - spec)) : sk_strdup(spec);
    } else {
        name = slash ? sk_strndup(spec, (size_t)(slash - spec)) : sk_strdup(spec);
    }
    if (!pass_env_node_builtin(name))
        dep_add(deps, "npm", name, NULL, NULL, "node-import", file, line, text);
    free(name);
}

/* require('x'), from 'x', import 'x', import("x") */
static void scan_node_line(json_t *deps, const char *l, size_t len, const char *file, int line)
{
    char *s = sk_strndup(l, len);
    static const char *const keys[] = {"require(", "from ", "import ", "import("};
    for (size_t k = 0; k < SK_ARRAY_LEN(keys); k++) {
        for (char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
            if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))
                continue;
            char *q = p + strlen(keys[k]);
            while (*q == ' ')
                q++;
            if (*q != '\'' && *q != '"' && *q != '`')
                continue;
            char quote = *q++;
            char *e = strchr(q, quote);
            if (!e)
                continue;
            char *spec = sk_strndup(q, (size_t)(e - q));
            add_node_module(deps, spec, file, line, s);
            free(spec);
        }
    }
    free(s);
}

/* Import name of a distribution: the table backwards, else '-' -> '_'. New string. */
static char *python_module_of(const char *package)
{
    for (size_t i = 0; i < SK_ARRAY_LEN(py_map); i++)
        if (!strcasecmp(py_map[i].package, package))
            return sk_strdup(py_map[i].module);
    char *m = sk_strdup(package);
    for (char *c = m; *c; c++)
        if (*c == '-' || *c == '.')
            *c = '_';
    return m;
}

/* Install commands named in any text: pip install, npm install, apt-get install, brew. */
static void scan_install_line(json_t *deps, const char *l, size_t len, const char *file,
                              int line)
{
    char *s = sk_strndup(l, len);
    static const struct {
        const char *key;
        const char *type;
    } mgr[] = {
        {"pip install ", "pip"},      {"pip3 install ", "pip"},    {"uv pip install ", "pip"},
        {"npm install ", "npm"},      {"npm i ", "npm"},           {"yarn add ", "npm"},
        {"pnpm add ", "npm"},         {"apt-get install ", "system"},
        {"apt install ", "system"},   {"brew install ", "system"},
    };
    for (size_t k = 0; k < SK_ARRAY_LEN(mgr); k++) {
        char *p = strstr(s, mgr[k].key);
        if (!p)
            continue;
        char *rest = sk_strdup(p + strlen(mgr[k].key));
        char *save = NULL;
        for (char *tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
            /* stop at the end of the command */
            if (strchr("|;&)`", tok[0]) || !strcmp(tok, "&&"))
                break;
            size_t n = strlen(tok);
            while (n > 0 && strchr("`\"',;)", tok[n - 1]))
                tok[--n] = '\0';
            while (*tok == '"' || *tok == '\'' || *tok == '`')
                tok++;
            if (tok[0] == '-' || !*tok)
                continue;
            /* drop version specs: pandas>=2, left-pad@1.3 */
            char *spec = tok + strcspn(tok, "<>=!~[");
            *spec = '\0';
            if (mgr[k].type[0] == 'n' && tok[0] != '@') {
                char *at = strchr(tok, '@');
                if (at)
                    *at = '\0';
            }
            if (!*tok || tok[0] == '.' || tok[0] == '/' || strchr(tok, '$'))
                continue;
            if (!strcmp(mgr[k].type, "pip")) {
                if (!strcmp(tok, "pip") || pass_env_python_stdlib(tok))
                    continue;
                for (char *c = tok; *c; c++)
                    *c = (char)tolower((unsigned char)*c);
                char *mod = python_module_of(tok);
                dep_add(deps, "pip", tok, mod, NULL, "install-line", file, line, s);
                free(mod);
            } else if (!strcmp(mgr[k].type, "npm")) {
                dep_add(deps, "npm", tok, NULL, NULL, "install-line", file, line, s);
            } else {
                const char *slash = strrchr(tok, '/'); /* brew taps: owner/tap/name */
                dep_add(deps, "system", tok, NULL, slash ? slash + 1 : tok, "install-line",
                        file, line, s);
            }
        }
        free(rest);
    }
    free(s);
}

/* First word of each command segment of a shell line that names a known tool. */
static void scan_shell_line(json_t *deps, const char *l, size_t len, const char *file,
                            int line)
{
    char *s = sk_strndup(l, len);
    char *hash = strstr(s, " #");
    if (hash)
        *hash = '\0';
    char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '$' || *p == '>')
        p++;
    if (*p == '#') {
        free(s);
        return;
    }
    bool at_cmd = true;
    while (*p) {
        if (strchr("|;&(", *p)) {
            at_cmd = true;
            p++;
            continue;
        }
        if (isspace((unsigned char)*p)) {
            p++;
            continue;
        }
        size_t n = strcspn(p, " \t|;&()");
        if (n == 0) {
            p++; /* a lone ')' */
            continue;
        }
        char *w = sk_strndup(p, n);
        if (at_cmd) {
            if (strchr(w, '=') || !strcmp(w, "sudo") || !strcmp(w, "time") ||
                !strcmp(w, "env") || !strcmp(w, "exec") || !strcmp(w, "nohup")) {
                /* still at command position */
            } else {
                const Tool *t = find_tool(w);
                if (t && t->package)
                    dep_add(deps, "system", t->package, NULL, t->command, "shell-command",
                            file, line, s);
                at_cmd = false;
            }
        }
        free(w);
        p += n;
    }
    free(s);
}

/* Inline code spans in prose: `jq ...` at the start of a span. */
static void scan_inline_code(json_t *deps, const char *l, size_t len, const char *file,
                             int line)
{
    const char *end = l + len;
    for (const char *p = l; p < end; p++) {
        if (*p != '`')
            continue;
        const char *q = memchr(p + 1, '`', (size_t)(end - p - 1));
        if (!q)
            break;
        if (q > p + 1) {
            scan_shell_line(deps, p + 1, (size_t)(q - p - 1), file, line);
            scan_install_line(deps, p + 1, (size_t)(q - p - 1), file, line);
        }
        p = q;
    }
}

typedef enum Lang { LANG_NONE, LANG_PY, LANG_NODE, LANG_SHELL } Lang;

static Lang lang_of_info(const char *info, size_t n)
{
    char w[32];
    size_t k = 0;
    while (k < n && k < sizeof w - 1 && !isspace((unsigned char)info[k]) && info[k] != '{') {
        w[k] = (char)tolower((unsigned char)info[k]);
        k++;
    }
    w[k] = '\0';
    if (!strcmp(w, "python") || !strcmp(w, "py") || !strcmp(w, "python3"))
        return LANG_PY;
    if (!strcmp(w, "js") || !strcmp(w, "javascript") || !strcmp(w, "ts") ||
        !strcmp(w, "typescript") || !strcmp(w, "jsx") || !strcmp(w, "tsx") ||
        !strcmp(w, "node") || !strcmp(w, "mjs"))
        return LANG_NODE;
    if (!strcmp(w, "bash") || !strcmp(w, "sh") || !strcmp(w, "shell") ||
        !strcmp(w, "console") || !strcmp(w, "zsh") || !strcmp(w, "shell-session"))
        return LANG_SHELL;
    return LANG_NONE;
}

static Lang lang_of_file(const char *path)
{
    if (sk_str_ends(path, ".py"))
        return LANG_PY;
    if (sk_str_ends(path, ".js") || sk_str_ends(path, ".mjs") || sk_str_ends(path, ".cjs") ||
        sk_str_ends(path, ".ts") || sk_str_ends(path, ".tsx") || sk_str_ends(path, ".jsx"))
        return LANG_NODE;
    if (sk_str_ends(path, ".sh") || sk_str_ends(path, ".bash"))
        return LANG_SHELL;
    return LANG_NONE;
}

static void scan_text(json_t *deps, const char *text, const char *file, Lang file_lang)
{
    bool markdown = sk_str_ends(file, ".md") || sk_str_ends(file, ".markdown");
    bool in_fence = false;
    char fch = 0;
    size_t fcount = 0;
    Lang fl = LANG_NONE;
    int line = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (markdown) {
            size_t i = 0;
            while (i < len && i < 3 && p[i] == ' ')
                i++;
            size_t n = 0;
            char c = i < len ? p[i] : 0;
            if (c == '`' || c == '~')
                while (i + n < len && p[i + n] == c)
                    n++;
            if (n >= 3) {
                if (!in_fence) {
                    in_fence = true;
                    fch = c;
                    fcount = n;
                    fl = lang_of_info(p + i + n, len - i - n);
                    goto next;
                } else if (c == fch && n >= fcount) {
                    in_fence = false;
                    goto next;
                }
            }
        }
        {
            Lang lang = markdown ? (in_fence ? fl : LANG_NONE) : file_lang;
            char *full = sk_strndup(p, len);
            if (lang == LANG_PY)
                scan_python_line(deps, p, len, file, line, full);
            else if (lang == LANG_NODE)
                scan_node_line(deps, p, len, file, line);
            else if (lang == LANG_SHELL)
                scan_shell_line(deps, p, len, file, line);
            if (markdown && !in_fence)
                scan_inline_code(deps, p, len, file, line); /* prose: code spans only */
            else
                scan_install_line(deps, p, len, file, line);
            free(full);
        }
    next:
        if (!nl)
            break;
        p = nl + 1;
    }
}

static int dep_cmp(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(js_str(x, "type", ""), js_str(y, "type", ""));
    return c ? c : strcmp(js_str(x, "name", ""), js_str(y, "name", ""));
}

static void finish_commands(json_t *d)
{
    const char *type = js_str(d, "type", "");
    const char *name = js_str(d, "name", "");
    char *check, *install;
    if (!strcmp(type, "pip")) {
        const char *mod = js_str(d, "module", NULL);
        if (mod)
            check = sk_asprintf("\"$PYTHON\" -c 'import %s'", mod);
        else
            check = sk_asprintf("\"$PYTHON\" -m pip show '%s'", name);
        install = sk_asprintf("\"$PYTHON\" -m pip install '%s'", name);
    } else if (!strcmp(type, "npm")) {
        check = sk_asprintf("[ -e \"$(npm root -g 2>/dev/null)/%s\" ]", name);
        install = sk_asprintf("npm install -g '%s'", name);
    } else {
        const char *cmd = js_str(d, "command", name);
        check = sk_asprintf("command -v '%s'", cmd);
        install = sk_asprintf("install_system_pkg '%s'", name);
    }
    json_object_set_new(d, "check", json_string(check));
    json_object_set_new(d, "install", json_string(install));
    free(check);
    free(install);
}

json_t *pass_env_scan(const Skill *skill, const char *skill_text)
{
    json_t *deps = json_array();
    /* the author's text only: not the notes and plan sections skvm added */
    char *own = pass_caps_strip_sections(skill_text);
    scan_text(deps, own, "SKILL.md", LANG_NONE);
    free(own);
    for (size_t i = 0; skill && i < skill->files.len; i++) {
        const SkillFile *f = skill->files.items[i];
        if (!f->is_text || f->skipped || f->size > (long long)ENV_MAX_FILE ||
            sk_str_starts(f->path, "_artifacts/") || strstr(f->path, "node_modules/") ||
            sk_str_starts(f->path, ".git/"))
            continue;
        Lang l = lang_of_file(f->path);
        bool md = sk_str_ends(f->path, ".md");
        if (l == LANG_NONE && !md)
            continue;
        char *text = NULL;
        size_t len = 0;
        if (skill_read_file(skill, f->path, ENV_MAX_FILE, &text, &len, NULL) != SK_OK)
            continue;
        scan_text(deps, text, f->path, l);
        free(text);
    }
    /* a node dependency implies node itself; a pip one implies python3 */
    size_t i;
    json_t *d;
    SkVec v;
    sk_vec_init(&v, NULL);
    json_array_foreach(deps, i, d) {
        finish_commands(d);
        sk_vec_push(&v, d);
    }
    sk_vec_sort(&v, dep_cmp);
    json_t *sorted = json_array();
    for (size_t k = 0; k < v.len; k++)
        json_array_append(sorted, v.items[k]);
    sk_vec_done(&v);
    json_decref(deps);
    return sorted;
}

/* ---- running small commands (presence checks, validation) ---- */

/* Run ARGV with STDIN_TEXT, capturing stdout+stderr into *OUT; kill after TIMEOUT_MS.
 * Returns the exit status, 128+signal, or -1 when it could not run (124 on timeout). */
static int run_cmd(const char *const *argv, const char *stdin_text, int timeout_ms, char **out)
{
    *out = NULL;
    int in[2], op[2];
    if (pipe(in) != 0)
        return -1;
    if (pipe(op) != 0) {
        close(in[0]);
        close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(in[0]);
        close(in[1]);
        close(op[0]);
        close(op[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(in[0], 0);
        dup2(op[1], 1);
        dup2(op[1], 2);
        close(in[0]);
        close(in[1]);
        close(op[0]);
        close(op[1]);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(op[1]);
    signal(SIGPIPE, SIG_IGN);
    if (stdin_text) {
        size_t n = strlen(stdin_text), off = 0;
        while (off < n) {
            ssize_t w = write(in[1], stdin_text + off, n - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
    }
    close(in[1]);
    SkBuf b = SK_BUF_INIT;
    int64_t deadline = sk_now_ms() + timeout_ms;
    bool timed_out = false;
    for (;;) {
        int64_t left = deadline - sk_now_ms();
        if (left <= 0) {
            timed_out = true;
            kill(-pid, SIGKILL);
            break;
        }
        struct pollfd pfd = {op[0], POLLIN, 0};
        int r = poll(&pfd, 1, (int)(left > 200 ? 200 : left));
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0) {
            char buf[4096];
            ssize_t n = read(op[0], buf, sizeof buf);
            if (n <= 0)
                break;
            if (b.len < 65536)
                sk_buf_append(&b, buf, (size_t)n);
        }
    }
    close(op[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *out = b.data ? sk_buf_steal(&b) : sk_strdup("");
    if (timed_out)
        return 124;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static bool in_path(const char *cmd)
{
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = sk_strdup(path);
    bool found = false;
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = sk_path_join(*d ? d : ".", cmd);
        found = access(p, X_OK) == 0 && sk_is_file(p);
        free(p);
    }
    free(copy);
    return found;
}

/* `npm root -g`, asked once per process ("" without npm). New string. */
static pthread_mutex_t npm_lock = PTHREAD_MUTEX_INITIALIZER;
static char *npm_root_cached;

static char *npm_global_root(void)
{
    pthread_mutex_lock(&npm_lock);
    if (!npm_root_cached) {
        char *out = NULL;
        const char *av[] = {"npm", "root", "-g", NULL};
        if (in_path("npm") && run_cmd(av, NULL, ENV_PROBE_TIMEOUT_MS, &out) == 0) {
            sk_str_trim(out);
            npm_root_cached = out;
        } else {
            free(out);
            npm_root_cached = sk_strdup("");
        }
    }
    char *r = sk_strdup(npm_root_cached);
    pthread_mutex_unlock(&npm_lock);
    return r;
}

int pass_env_check_presence(json_t *deps)
{
    int missing = 0;
    size_t i;
    json_t *d;
    /* python modules: one probe for all (find_spec does not import them) */
    SkVec argv;
    sk_vec_init(&argv, NULL);
    sk_vec_push(&argv, (void *)"python3");
    sk_vec_push(&argv, (void *)"-c");
    sk_vec_push(&argv, (void *)"import importlib.util, sys\n"
                               "for m in sys.argv[1:]:\n"
                               "    try:\n"
                               "        ok = importlib.util.find_spec(m) is not None\n"
                               "    except Exception:\n"
                               "        ok = False\n"
                               "    print(m, 'yes' if ok else 'no')\n");
    json_array_foreach(deps, i, d) if (sk_str_eq(js_str(d, "type", ""), "pip") &&
                                       js_str(d, "module", NULL))
        sk_vec_push(&argv, (void *)js_str(d, "module", ""));
    char *pyout = NULL;
    if (argv.len > 3 && in_path("python3")) {
        sk_vec_push(&argv, NULL);
        run_cmd((const char *const *)argv.items, NULL, ENV_PROBE_TIMEOUT_MS, &pyout);
    }
    sk_vec_done(&argv);
    char *npm_root = NULL;
    json_array_foreach(deps, i, d) {
        if (sk_str_eq(js_str(d, "type", ""), "npm") && !npm_root) {
            npm_root = npm_global_root();
            break;
        }
    }
    json_array_foreach(deps, i, d) {
        const char *type = js_str(d, "type", "");
        bool present = false;
        if (!strcmp(type, "system")) {
            present = in_path(js_str(d, "command", js_str(d, "name", "")));
        } else if (!strcmp(type, "pip")) {
            const char *mod = js_str(d, "module", NULL);
            if (mod && pyout) {
                char *want = sk_asprintf("%s yes\n", mod);
                char *want0 = sk_asprintf("\n%s", want);
                present = sk_str_starts(pyout, want) || strstr(pyout, want0);
                free(want);
                free(want0);
            }
        } else if (!strcmp(type, "npm") && npm_root && *npm_root) {
            char *p = sk_path_join(npm_root, js_str(d, "name", ""));
            present = sk_is_dir(p);
            free(p);
        }
        json_object_set_new(d, "present", json_boolean(present));
        missing += !present;
    }
    free(pyout);
    free(npm_root);
    return missing;
}

/* ---- the script ---- */

static void comment_text(SkBuf *b, const char *t)
{
    for (const char *c = t; *c; c++)
        sk_buf_putc(b, ((unsigned char)*c < 0x20 || *c == 0x7f) ? ' ' : *c);
}

char *pass_env_script(const char *name, const json_t *deps)
{
    SkBuf b = SK_BUF_INIT;
    sk_buf_puts(&b, "#!/usr/bin/env bash\n");
    sk_buf_puts(&b, "# env-setup.sh: what the skill \"");
    comment_text(&b, name);
    sk_buf_puts(&b,
                "\" needs installed, found by skvm's environment binding pass.\n"
                "# Each dependency is checked first and installed only when missing, so a "
                "second run\n"
                "# changes nothing. SKVM_ENV_CHECK_ONLY=1 checks without installing.\n"
                "# Exit status: 0 when everything is present, 1 when anything is missing or "
                "failed.\n"
                "# The check and install functions are called through ensure():\n"
                "# shellcheck disable=SC2317\n"
                "set -u\n\n"
                "log() { printf '[env-setup] %s\\n' \"$*\"; }\n"
                "warn() { printf '[env-setup] WARNING: %s\\n' \"$*\" >&2; }\n\n"
                "CHECK_ONLY=\"${SKVM_ENV_CHECK_ONLY:-0}\"\n"
                "PYTHON=\"${PYTHON:-python3}\"\n"
                "FAIL=0\n\n"
                "install_system_pkg() {\n"
                "    if command -v apt-get >/dev/null 2>&1; then\n"
                "        if [ \"$(id -u)\" -eq 0 ]; then\n"
                "            DEBIAN_FRONTEND=noninteractive apt-get install -y \"$1\"\n"
                "        elif command -v sudo >/dev/null 2>&1; then\n"
                "            sudo DEBIAN_FRONTEND=noninteractive apt-get install -y \"$1\"\n"
                "        else\n"
                "            warn \"installing $1 with apt-get needs root\"\n"
                "            return 1\n"
                "        fi\n"
                "    elif command -v dnf >/dev/null 2>&1; then\n"
                "        dnf install -y \"$1\"\n"
                "    elif command -v brew >/dev/null 2>&1; then\n"
                "        brew install \"$1\"\n"
                "    else\n"
                "        warn \"no supported package manager to install $1\"\n"
                "        return 1\n"
                "    fi\n"
                "}\n\n"
                "# ensure NAME CHECK_FN INSTALL_FN\n"
                "ensure() {\n"
                "    if \"$2\" >/dev/null 2>&1; then\n"
                "        log \"$1: present\"\n"
                "    elif [ \"$CHECK_ONLY\" = \"1\" ]; then\n"
                "        warn \"$1: missing\"\n"
                "        FAIL=$((FAIL + 1))\n"
                "    else\n"
                "        log \"$1: missing, installing\"\n"
                "        if ! \"$3\"; then\n"
                "            warn \"failed to install $1\"\n"
                "            FAIL=$((FAIL + 1))\n"
                "        elif ! \"$2\" >/dev/null 2>&1; then\n"
                "            warn \"$1: installed, but the check still fails\"\n"
                "            FAIL=$((FAIL + 1))\n"
                "        fi\n"
                "    fi\n"
                "}\n");
    size_t i;
    json_t *d;
    size_t n = 0;
    json_array_foreach(deps, i, d) {
        n++;
        const char *nm = js_str(d, "name", "");
        sk_buf_printf(&b, "\n# %s (%s)", nm, js_str(d, "type", ""));
        json_t *e = json_array_get(js_arr(d, "evidence"), 0);
        if (e) {
            sk_buf_printf(&b, ", %s:%lld: ", js_str(e, "file", ""), js_int(e, "line", 0));
            const char *et = js_str(e, "text", "");
            char *t = sk_strndup(et, utf8_prefix(et, 100));
            comment_text(&b, t);
            free(t);
        }
        sk_buf_printf(&b, "\ncheck_%zu() { %s; }\n", n, js_str(d, "check", "false"));
        sk_buf_printf(&b, "install_%zu() { %s; }\n", n, js_str(d, "install", "false"));
        sk_buf_printf(&b, "ensure '%s' check_%zu install_%zu\n", nm, n, n);
    }
    if (n == 0)
        sk_buf_puts(&b, "\n# No dependencies were found.\n");
    sk_buf_puts(&b, "\nif [ \"$FAIL\" -gt 0 ]; then\n"
                    "    warn \"$FAIL dependencies missing or failed to install\"\n"
                    "    exit 1\n"
                    "fi\n"
                    "log \"all dependencies present\"\n"
                    "exit 0\n");
    return sk_buf_steal(&b);
}

/* Validation results by script hash: the same script (same dependencies) validates the
 * same way, and compiling one skill for several targets repeats it. */
static pthread_mutex_t validate_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *validate_cache;

static json_t *pass_env_validate_uncached(const char *script);

json_t *pass_env_validate(const char *script)
{
    char hex[65];
    sk_sha256_hex(script, strlen(script), hex);
    pthread_mutex_lock(&validate_lock);
    json_t *hit = validate_cache ? json_object_get(validate_cache, hex) : NULL;
    json_t *res = hit ? json_deep_copy(hit) : NULL;
    pthread_mutex_unlock(&validate_lock);
    if (res)
        return res;
    res = pass_env_validate_uncached(script);
    pthread_mutex_lock(&validate_lock);
    if (!validate_cache)
        validate_cache = json_object();
    if (json_object_size(validate_cache) > 256)
        json_object_clear(validate_cache);
    json_object_set_new(validate_cache, hex, json_deep_copy(res));
    pthread_mutex_unlock(&validate_lock);
    return res;
}

static json_t *pass_env_validate_uncached(const char *script)
{
    json_t *o = json_object();
    bool ok = true;
    char *out = NULL;
    const char *bn[] = {"bash", "-n", "/dev/stdin", NULL};
    int rc = run_cmd(bn, script, ENV_PROBE_TIMEOUT_MS, &out);
    if (rc == 0) {
        json_object_set_new(o, "bash_n", json_string("ok"));
    } else {
        ok = false;
        char *m = sk_asprintf("bash -n failed (%d): %s", rc, out);
        json_object_set_new(o, "bash_n", json_string(m));
        free(m);
    }
    free(out);
    if (in_path("shellcheck")) {
        const char *sc[] = {"shellcheck", "-s", "bash", "-f", "gcc", "-", NULL};
        rc = run_cmd(sc, script, ENV_PROBE_TIMEOUT_MS, &out);
        if (rc == 0) {
            json_object_set_new(o, "shellcheck", json_string("ok"));
        } else {
            ok = false;
            json_object_set_new(o, "shellcheck", json_string(out));
        }
        free(out);
    } else {
        json_object_set_new(o, "shellcheck", json_string("not installed"));
    }
    json_object_set_new(o, "ok", json_boolean(ok));
    return o;
}

/* ---- verify: run twice in the sandbox ---- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A listing of DIR (paths, sizes, modes, mtimes) to compare runs. */
static void listing(const char *dir, const char *rel, SkBuf *out)
{
    char *full = rel ? sk_path_join(dir, rel) : sk_strdup(dir);
    SkVec names;
    sk_vec_init(&names, free);
    DIR *d = opendir(full);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                sk_vec_push(&names, sk_strdup(de->d_name));
        closedir(d);
    }
    sk_vec_sort(&names, name_cmp);
    for (size_t i = 0; i < names.len; i++) {
        char *r = rel ? sk_asprintf("%s/%s", rel, (char *)names.items[i])
                      : sk_strdup(names.items[i]);
        char *p = sk_path_join(dir, r);
        struct stat st;
        if (lstat(p, &st) == 0) {
            sk_buf_printf(out, "%s %o %lld %lld\n", r, (unsigned)st.st_mode,
                          (long long)st.st_size, (long long)st.st_mtime);
            if (S_ISDIR(st.st_mode))
                listing(dir, r, out);
        }
        free(p);
        free(r);
    }
    sk_vec_done(&names);
    free(full);
}

static json_t *run_once(const char *dir, SandboxResult *r, SkError *err, SkStatus *st)
{
    SandboxOptions o;
    sandbox_options_init(&o, dir);
    o.limits.timeout_ms = ENV_VERIFY_TIMEOUT_MS;
    o.limits.cpu_seconds = 300;
    o.extra_path = getenv("PATH");
    /* without bubblewrap the script would reach this machine: only check, never install */
    bool isolated = sandbox_bwrap_available();
    static const char *const check_only[] = {"SKVM_ENV_CHECK_ONLY=1", NULL};
    if (!isolated) {
        o.mode = SANDBOX_PLAIN;
        o.env = check_only;
    } else {
        o.mode = SANDBOX_BWRAP;
    }
    *st = sandbox_run_shell("bash ./env-setup.sh", &o, r, err);
    json_t *j = json_object();
    json_object_set_new(j, "exit", json_integer(r->exit_code));
    json_object_set_new(j, "timed_out", json_boolean(r->timed_out));
    json_object_set_new(j, "bwrap", json_boolean(r->bwrap));
    json_object_set_new(j, "check_only", json_boolean(!isolated));
    char *o_out = sandbox_cap_text(r->out, strlen(r->out), 4000);
    char *o_err = sandbox_cap_text(r->err, strlen(r->err), 4000);
    json_object_set_new(j, "stdout", json_string(o_out));
    json_object_set_new(j, "stderr", json_string(o_err));
    free(o_out);
    free(o_err);
    return j;
}

/* Run the script twice in a scratch sandbox folder. {ok, runs[2], idempotent, isolation,
 * problem?}. */
static json_t *verify_script(const char *script, SkError *err, SkStatus *status)
{
    *status = SK_OK;
    json_t *v = json_object();
    char *dir = sk_mkdtemp("skvm-env-");
    if (!dir) {
        *status = sk_error_set(err, SK_ERR_IO, "cannot create a scratch folder for --verify-env");
        json_decref(v);
        return NULL;
    }
    char *path = sk_path_join(dir, "env-setup.sh");
    SkStatus s = sk_write_file_atomic(path, script, strlen(script), err);
    json_t *runs = json_array();
    bool ok = false, idem = false;
    char *problem = NULL;
    if (s == SK_OK) {
        SandboxResult r1, r2;
        json_array_append_new(runs, run_once(dir, &r1, err, &s));
        SkBuf l1 = SK_BUF_INIT, l2 = SK_BUF_INIT;
        listing(dir, NULL, &l1);
        if (s == SK_OK) {
            json_array_append_new(runs, run_once(dir, &r2, err, &s));
            listing(dir, NULL, &l2);
        }
        if (s == SK_OK) {
            bool second_installed = strstr(r2.out, "missing, installing") != NULL;
            idem = !second_installed && sk_str_eq(sk_buf_cstr(&l1), sk_buf_cstr(&l2)) &&
                   r1.exit_code == r2.exit_code;
            ok = idem && r2.exit_code == 0;
            if (r2.timed_out)
                problem = sk_strdup("env-setup.sh timed out in the sandbox");
            else if (!idem)
                problem = sk_strdup("the second run of env-setup.sh changed something (it "
                                    "is not idempotent)");
            else if (r2.exit_code != 0)
                problem = sk_asprintf("env-setup.sh exits %d in the sandbox: %s",
                                      r2.exit_code, *r2.err ? r2.err : r2.out);
            json_object_set_new(v, "isolation",
                                json_string(r2.bwrap ? "bwrap" : sandbox_describe(SANDBOX_AUTO)));
            sandbox_result_done(&r2);
        }
        sandbox_result_done(&r1);
        sk_buf_done(&l1);
        sk_buf_done(&l2);
    }
    json_object_set_new(v, "runs", runs);
    json_object_set_new(v, "idempotent", json_boolean(idem));
    json_object_set_new(v, "ok", json_boolean(ok));
    if (problem)
        json_object_set_new(v, "problem", json_string(problem));
    free(problem);
    *status = s;
    sk_rm_rf(dir, NULL);
    free(path);
    free(dir);
    return v;
}

static char *validate_deps(json_t *v, void *ud)
{
    (void)ud;
    json_t *arr = js_arr(v, "dependencies");
    if (!arr)
        return sk_strdup("missing the array \"dependencies\"");
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d) {
        const char *t = js_str(d, "type", "");
        if (strcmp(t, "pip") && strcmp(t, "npm") && strcmp(t, "system"))
            return sk_asprintf("dependencies[%zu]: type must be pip, npm or system", i);
        if (!safe_name(js_str(d, "name", "")))
            return sk_asprintf("dependencies[%zu]: \"%s\" is not a package name", i,
                               js_str(d, "name", ""));
    }
    return NULL;
}

/* The compiler model's dependency list, merged into DEPS (new entries: source "model"). */
static SkStatus model_deps(CompileCtx *c, json_t *deps, SkError *err)
{
    char *own = pass_caps_strip_sections(c->text);
    char *user = sk_asprintf("List what must be installed for this skill to work: Python "
                             "packages (pip distribution names, with the import name as "
                             "module), npm packages, and system commands. Leave out the "
                             "standard libraries and the agent itself.\n\n```markdown\n%s\n"
                             "```\n",
                             own);
    free(own);
    json_t *schema = json_pack(
        "{s:s,s:{s:{s:s,s:{s:s,s:{s:{s:s},s:{s:s,s:[s,s,s]},s:{s:s},s:{s:s}},s:[s,s]}}},"
        "s:[s]}",
        "type", "object", "properties", "dependencies", "type", "array", "items", "type",
        "object", "properties", "name", "type", "string", "type", "type", "string", "enum",
        "pip", "npm", "system", "module", "type", "string", "command", "type", "string",
        "required", "name", "type", "required", "dependencies");
    json_t *v = NULL;
    SkStatus s = compile_ctx_ask_json(c, "report_dependencies", "What the skill needs installed",
                                      schema, "You are a precise skill compiler.", user,
                                      validate_deps, NULL, &v, err);
    json_decref(schema);
    free(user);
    if (s != SK_OK)
        return s;
    size_t i, added = 0;
    json_t *d;
    json_array_foreach(js_arr(v, "dependencies"), i, d) {
        const char *type = js_str(d, "type", "");
        char *name = sk_strdup(js_str(d, "name", ""));
        if (!strcmp(type, "pip"))
            for (char *p = name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        const char *mod = js_str(d, "module", NULL);
        if (!strcmp(type, "pip") && (pass_env_python_stdlib(name) ||
                                     (mod && pass_env_python_stdlib(mod)))) {
            free(name);
            continue;
        }
        if (!dep_find(deps, type, name)) {
            char *m = !strcmp(type, "pip") && !mod ? python_module_of(name) : NULL;
            dep_add(deps, type, name, mod ? mod : m, js_str(d, "command", NULL), "model",
                    "SKILL.md", 0, "named by the compiler model");
            free(m);
            json_t *nd = dep_find(deps, type, name);
            if (nd) {
                finish_commands(nd);
                added++;
            }
        }
        free(name);
    }
    compile_ctx_log(c, "the compiler model named %zu dependencies (%zu new to the scan)",
                    json_array_size(js_arr(v, "dependencies")), added);
    json_decref(v);
    return SK_OK;
}

SkStatus pass_env_run(CompileCtx *c, SkError *err)
{
    json_t *deps = pass_env_scan(c->source, c->text);
    if (c->llm) {
        SkStatus ms = model_deps(c, deps, err);
        if (ms != SK_OK) {
            json_decref(deps);
            return ms;
        }
    }
    int missing = pass_env_check_presence(deps);
    char *script = pass_env_script(c->source->name ? c->source->name : c->source->id, deps);
    json_t *val = pass_env_validate(script);
    size_t n = json_array_size(deps);
    compile_ctx_log(c, "%zu dependencies found by the static scan, %d missing on this machine",
                    n, missing);
    json_t *doc = json_object();
    json_object_set_new(doc, "dependencies", deps);
    json_object_set_new(doc, "validation", val);
    json_object_set(c->artifacts, "dependencies", doc);
    json_object_set_new(c->summary, "dependencies", json_integer((json_int_t)n));
    json_object_set_new(c->summary, "missing", json_integer(missing));
    free(c->env_script);
    c->env_script = script;
    SkStatus s = SK_OK;
    if (!js_bool(val, "ok", false)) {
        s = sk_error_set(err, SK_ERR_INTERNAL, "the generated env-setup.sh does not pass "
                         "validation: bash -n: %s; shellcheck: %s",
                         js_str(val, "bash_n", "?"), js_str(val, "shellcheck", "?"));
    } else {
        compile_ctx_log(c, "env-setup.sh passes bash -n%s",
                        sk_str_eq(js_str(val, "shellcheck", ""), "ok") ? " and shellcheck"
                                                                      : " (no shellcheck)");
    }
    if (s == SK_OK && c->opts->verify_env) {
        json_t *v = verify_script(script, err, &s);
        if (v) {
            json_object_set_new(doc, "verify", v);
            if (s == SK_OK && !js_bool(v, "ok", false))
                s = sk_error_set(err, SK_ERR_INVALID, "--verify-env: %s",
                                 js_str(v, "problem", "failed"));
            if (s == SK_OK)
                compile_ctx_log(c, "env-setup.sh ran twice in the sandbox: exit 0, the second "
                                "run changed nothing");
        }
    }
    json_decref(doc);
    return s;
}
