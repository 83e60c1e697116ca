/* compiler.h: attribute macros shared by every module. */
#ifndef SKVM_CORE_COMPILER_H
#define SKVM_CORE_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define ATTR_FORMAT(fmt, args) __attribute__((format(printf, fmt, args)))
#define ATTR_NORETURN __attribute__((noreturn))
#define ATTR_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define ATTR_MALLOC __attribute__((malloc))
#define ATTR_WARN_UNUSED __attribute__((warn_unused_result))
#define ATTR_UNUSED __attribute__((unused))
#else
#define ATTR_FORMAT(fmt, args)
#define ATTR_NORETURN
#define ATTR_NONNULL(...)
#define ATTR_MALLOC
#define ATTR_WARN_UNUSED
#define ATTR_UNUSED
#endif

#define SK_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SK_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
