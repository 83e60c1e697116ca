/* profiler.c: profile runs: plan, worker pool, answer sources, evaluation, level decision,
 * store records (resume) and the TCP. */
#include "core/profiler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/agent.h"
#include "core/catalog.h"
#include "core/js.h"
#include "core/rng.h"
#include "core/store.h"

/* ---- small helpers ---- */

void profiler_attempt_done(ProfilerAttempt *a)
{
    free(a->final_text);
    free(a->workdir);
    free(a->status);
    free(a->detail);
    free(a->run_id);
    free(a->conversation);
    memset(a, 0, sizeof *a);
}

void profiler_summary_done(ProfilerSummary *s)
{
    free(s->saved_path);
    s->saved_path = NULL;
}

void profiler_options_init(ProfilerOptions *o)
{
    memset(o, 0, sizeof *o);
    o->infra_retries = -1;
    o->save = true;
}

bool profiler_level_passed(int pass_count, int total_count, int skip_count)
{
    int effective = total_count - skip_count;
    return effective > 0 && pass_count == effective;
}

int profiler_highest_level(const bool passed[3], const bool decided[3], char **inversions)
{
    int highest = 0;
    for (int l = 0; l < 3; l++)
        if (passed[l] && (!decided || decided[l]))
            highest = l + 1;
    if (inversions) {
        *inversions = NULL;
        SkBuf b = SK_BUF_INIT;
        for (int hi = 1; hi < 3; hi++) {
            if (!passed[hi] || (decided && !decided[hi]))
                continue;
            for (int lo = 0; lo < hi; lo++) {
                if (passed[lo] || (decided && !decided[lo]))
                    continue;
                sk_buf_printf(&b, "%sL%d passed but L%d failed", b.len ? "; " : "", hi + 1, lo + 1);
            }
        }
        if (b.len)
            *inversions = sk_buf_steal(&b);
        sk_buf_done(&b);
    }
    return highest;
}

uint64_t profiler_instance_seed(uint64_t seed, const char *primitive, int level, int index)
{
    /* 53 bits so it survives JSON numbers and SQLite integers alike */
    return rng_derive(seed, primitive, level, index) >> 11;
}

/* ---- the plan ---- */

typedef enum ItemState { ITEM_PENDING, ITEM_DONE } ItemState;

typedef struct Item {
    const char *primitive;
    int level, index;
    uint64_t seed;
    ItemState state;
    bool reused, infra, ran;
    ProbeVerdict verdict;
    char *summary;      /* failure / skip / infra reason */
    char *artifact;     /* kept work dir of a failure */
    char *conv;         /* conversation log of the agent run, when known */
    double duration_ms, cost_usd;
    int64_t tokens_in, tokens_out;
} Item;

typedef struct Ctx {
    const ProfilerOptions *o;
    const char *harness;
    char *home;
    char *db;            /* NULL: no store */
    char *job;
    Item *items;
    size_t nitems, next, done;
    pthread_mutex_t mu;
    double cost;
    SkStatus store_status;
    SkError store_err;
} Ctx;

static void ctx_publish(Ctx *c, const Item *it)
{
    if (!c->o->bus)
        return;
    pthread_mutex_lock(&c->mu);
    size_t done = c->done;
    double cost = c->cost;
    pthread_mutex_unlock(&c->mu);
    const char *status = it->infra ? "infra" : probe_verdict_name(it->verdict);
    json_t *d = json_pack("{s:s,s:s,s:i,s:i,s:I,s:s,s:b,s:I,s:I,s:f,s:f}", "model", c->o->model,
                          "primitive", it->primitive, "level", it->level, "instance", it->index,
                          "seed", (json_int_t)it->seed, "status", status, "reused", it->reused,
                          "done", (json_int_t)done, "total", (json_int_t)c->nitems, "cost_usd",
                          cost, "duration_ms", it->duration_ms);
    if (it->summary)
        json_object_set_new(d, "detail", json_string(it->summary));
    char *text = sk_asprintf("%s L%d #%d %s", it->primitive, it->level, it->index + 1, status);
    trace_bus_publish(c->o->bus, trace_event_new(TRACE_JOB_PROGRESS, c->job, -1, text, d));
    free(text);
}

/* ---- store records ---- */

static bool item_load(Ctx *c, Store *st, Item *it)
{
    if (!st)
        return false;
    StoreStmt *s = NULL;
    if (store_prepare(st,
                      "SELECT status, checkpoints, duration_ms, tokens_in, tokens_out, cost_usd "
                      "FROM profile_instances WHERE model = ?1 AND harness = ?2 AND primitive = ?3 "
                      "AND level = ?4 AND instance = ?5 AND seed = ?6 "
                      "AND status IN ('pass', 'fail', 'skip')",
                      &s, NULL) != SK_OK)
        return false;
    store_bind_text(s, 1, c->o->model);
    store_bind_text(s, 2, c->harness);
    store_bind_text(s, 3, it->primitive);
    store_bind_int(s, 4, it->level);
    store_bind_int(s, 5, it->index);
    store_bind_int(s, 6, (int64_t)it->seed);
    bool found = false;
    if (store_step(s, NULL) == STORE_ROW) {
        const char *status = store_col_text(s, 0);
        it->verdict = !strcmp(status, "pass") ? PROBE_PASS : !strcmp(status, "skip") ? PROBE_SKIP
                                                                                    : PROBE_FAIL;
        json_t *j = NULL;
        const char *cps = store_col_text(s, 1);
        if (cps && js_parse(cps, strlen(cps), &j, NULL) == SK_OK) {
            const char *sum = js_str(j, "summary", NULL);
            it->summary = sum ? sk_strdup(sum) : NULL;
            const char *art = js_str(j, "artifact", NULL);
            it->artifact = art ? sk_strdup(art) : NULL;
            const char *conv = js_str(j, "conversation", NULL);
            it->conv = conv ? sk_strdup(conv) : NULL;
            json_decref(j);
        }
        it->duration_ms = store_col_double(s, 2);
        it->tokens_in = store_col_int(s, 3);
        it->tokens_out = store_col_int(s, 4);
        it->cost_usd = store_col_double(s, 5);
        found = true;
    }
    store_finalize(s);
    return found;
}

static void item_save(Ctx *c, Store *st, const Item *it, const ProbeResult *r, const char *run_id)
{
    if (!st)
        return;
    json_t *j = r ? probe_result_to_json(r) : json_object();
    if (it->infra)
        json_object_set_new(j, "verdict", json_string("infra"));
    if (it->summary)
        json_object_set_new(j, "summary", json_string(it->summary));
    if (it->artifact)
        json_object_set_new(j, "artifact", json_string(it->artifact));
    if (it->conv)
        json_object_set_new(j, "conversation", json_string(it->conv));
    char *cps = js_dump_compact(j);
    json_decref(j);
    StoreStmt *s = NULL;
    SkError err = {0};
    SkStatus rc = store_prepare(
        st,
        "INSERT OR REPLACE INTO profile_instances (profile_run, model, harness, primitive, level, "
        "instance, seed, status, checkpoints, duration_ms, tokens_in, tokens_out, cost_usd, run_id, "
        "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        &s, &err);
    if (rc == SK_OK) {
        store_bind_text(s, 1, c->job);
        store_bind_text(s, 2, c->o->model);
        store_bind_text(s, 3, c->harness);
        store_bind_text(s, 4, it->primitive);
        store_bind_int(s, 5, it->level);
        store_bind_int(s, 6, it->index);
        store_bind_int(s, 7, (int64_t)it->seed);
        store_bind_text(s, 8, it->infra ? "infra" : probe_verdict_name(it->verdict));
        store_bind_text(s, 9, cps);
        store_bind_int(s, 10, (int64_t)it->duration_ms);
        store_bind_int(s, 11, it->tokens_in);
        store_bind_int(s, 12, it->tokens_out);
        store_bind_double(s, 13, it->cost_usd);
        store_bind_text(s, 14, run_id);
        store_bind_int(s, 15, sk_wall_ms());
        if (store_step(s, &err) == STORE_ERROR)
            rc = err.code ? err.code : SK_ERR_DB;
        store_finalize(s);
    }
    if (rc != SK_OK) {
        pthread_mutex_lock(&c->mu);
        if (c->store_status == SK_OK) {
            c->store_status = rc;
            c->store_err = err;
        }
        pthread_mutex_unlock(&c->mu);
    }
    free(cps);
}

/* ---- one instance ---- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool cancelled(const Ctx *c)
{
    return c->o->cancel && *c->o->cancel;
}

static void item_run(Ctx *c, Store *st, Item *it)
{
    int64_t t0 = sk_now_ms();
    ProbeInstance *in = NULL;
    SkError err = {0};
    if (probe_generate(it->primitive, it->level, it->seed, &in, &err) != SK_OK) {
        it->verdict = PROBE_FAIL;
        it->summary = sk_strdup(err.msg);
        return;
    }
    char *prefix = sk_asprintf("skvm-profile-%s-L%d-", it->primitive, it->level);
    char *dir = sk_mkdtemp(prefix);
    free(prefix);
    ProbeServer *server = NULL;
    ProfilerAttempt a;
    memset(&a, 0, sizeof a);
    bool have_attempt = false;
    if (!dir || probe_setup(in, dir, &err) != SK_OK ||
        (in->needs_server && probe_server_start(in, &server, &err) != SK_OK)) {
        it->infra = true;
        it->summary = sk_asprintf("cannot prepare the instance: %s", dir ? err.msg : "no temp dir");
    } else {
        char *prompt = probe_render_prompt(in, probe_server_port(server));
        int retries = c->o->infra_retries < 0 ? 2 : c->o->infra_retries;
        for (int attempt = 0; attempt <= retries; attempt++) {
            if (have_attempt)
                profiler_attempt_done(&a);
            memset(&a, 0, sizeof a);
            SkError aerr = {0};
            SkStatus s = c->o->answer(c->o->answer_ud, in, prompt, dir, &a, &aerr);
            have_attempt = true;
            if (s != SK_OK) {
                a.infra = true;
                if (!a.detail)
                    a.detail = sk_asprintf("%s: %s", sk_status_message(s), aerr.msg);
            }
            it->tokens_in += a.tokens_in;
            it->tokens_out += a.tokens_out;
            it->cost_usd += a.cost_usd;
            if (!a.infra || cancelled(c) || attempt == retries)
                break;
            if (a.workdir) /* a failed attempt's own work dir is not evaluated */
                sk_rm_rf(a.workdir, NULL);
            sleep_ms(c->o->retry_delay_ms > 0 ? c->o->retry_delay_ms : 2000);
        }
        free(prompt);
        it->ran = true;
        const char *evaldir = a.workdir ? a.workdir : dir;
        if (a.conversation)
            it->conv = sk_strdup(a.conversation);
        ProbeResult r;
        probe_result_init(&r);
        if (a.infra) {
            it->infra = true;
            it->summary = sk_asprintf("infrastructure: %s", a.detail ? a.detail : "failed");
        } else if (a.tainted) {
            it->verdict = PROBE_FAIL;
            it->summary = sk_asprintf("tainted: %s", a.detail ? a.detail
                                                 : a.status ? a.status : "the run did not finish");
        } else {
            probe_result_done(&r);
            probe_evaluate(in, evaldir, a.final_text, &r);
            it->verdict = r.verdict;
            if (r.verdict != PROBE_PASS)
                it->summary = probe_result_summary(&r);
        }
        bool keep = !it->infra && it->verdict == PROBE_FAIL;
        if (keep)
            it->artifact = sk_strdup(evaldir);
        it->duration_ms = (double)(sk_now_ms() - t0);
        item_save(c, st, it, &r, a.run_id);
        probe_result_done(&r);
        if (!keep) {
            if (a.workdir)
                sk_rm_rf(a.workdir, NULL);
        }
        if (!keep || a.workdir)
            sk_rm_rf(dir, NULL);
    }
    if (!it->ran && dir)
        sk_rm_rf(dir, NULL);
    probe_server_stop(server);
    if (have_attempt)
        profiler_attempt_done(&a);
    free(dir);
    probe_instance_free(in);
    if (!it->duration_ms)
        it->duration_ms = (double)(sk_now_ms() - t0);
}

static void *worker_main(void *arg)
{
    Ctx *c = arg;
    Store *st = NULL;
    if (c->db) {
        SkError err = {0};
        if (store_open(c->db, &st, &err) != SK_OK) {
            pthread_mutex_lock(&c->mu);
            if (c->store_status == SK_OK) {
                c->store_status = err.code ? err.code : SK_ERR_DB;
                c->store_err = err;
            }
            pthread_mutex_unlock(&c->mu);
            st = NULL;
        }
    }
    for (;;) {
        pthread_mutex_lock(&c->mu);
        bool stop = c->next >= c->nitems || cancelled(c) || (c->db && !st);
        size_t i = stop ? 0 : c->next++;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        Item *it = &c->items[i];
        bool forced = false;
        if (c->o->force)
            forced = true;
        if (!forced && item_load(c, st, it)) {
            it->reused = true;
        } else {
            item_run(c, st, it);
        }
        pthread_mutex_lock(&c->mu);
        it->state = ITEM_DONE;
        c->done++;
        c->cost += it->reused ? 0 : it->cost_usd;
        pthread_mutex_unlock(&c->mu);
        ctx_publish(c, it);
    }
    store_close(st);
    return NULL;
}

/* ---- the profile ---- */

static TcpDetail *build_detail(Ctx *c, const char *primitive, int instances, ProfilerSummary *sum,
                               bool *any_decided)
{
    TcpDetail *d = sk_calloc(1, sizeof *d);
    d->primitive_id = sk_strdup(primitive);
    d->nlevels = 3;
    bool passed[3] = {false}, decided[3] = {false};
    for (int l = 1; l <= 3; l++) {
        TcpLevelResult *lr = &d->levels[l - 1];
        lr->level = l;
        sk_vec_init(&lr->failure_details, free);
        lr->test_description = sk_strdup(probe_description(primitive, l));
        bool undecided = false;
        json_t *arts = json_array();
        for (size_t i = 0; i < c->nitems; i++) {
            Item *it = &c->items[i];
            if (strcmp(it->primitive, primitive) != 0 || it->level != l)
                continue;
            if (it->state != ITEM_DONE || it->infra) {
                undecided = true;
                if (it->infra)
                    sk_vec_push(&lr->failure_details,
                                sk_asprintf("instance %d (seed %llu) not decided: %s", it->index + 1,
                                            (unsigned long long)it->seed,
                                            it->summary ? it->summary : "infrastructure failure"));
                continue;
            }
            lr->total_count++;
            lr->duration_ms += it->duration_ms;
            lr->cost_usd += it->cost_usd;
            if (it->verdict == PROBE_PASS) {
                lr->pass_count++;
            } else if (it->verdict == PROBE_SKIP) {
                lr->skip_count++;
            } else {
                sk_vec_push(&lr->failure_details,
                            sk_asprintf("instance %d (seed %llu): %s", it->index + 1,
                                        (unsigned long long)it->seed, it->summary ? it->summary : "failed"));
                if (it->artifact || it->conv) {
                    json_t *a = json_object();
                    if (it->conv)
                        json_object_set_new(a, "convLog", json_string(it->conv));
                    if (it->artifact)
                        json_object_set_new(a, "workDir", json_string(it->artifact));
                    json_object_set_new(a, "seed", json_integer((json_int_t)it->seed));
                    json_array_append_new(arts, a);
                }
            }
        }
        (void)instances;
        if (json_array_size(arts))
            lr->failure_artifacts = arts;
        else
            json_decref(arts);
        decided[l - 1] = !undecided;
        lr->passed = !undecided && profiler_level_passed(lr->pass_count, lr->total_count, lr->skip_count);
        passed[l - 1] = lr->passed;
    }
    *any_decided = decided[0] || decided[1] || decided[2];
    char *inv = NULL;
    d->highest = profiler_highest_level(passed, decided, &inv);
    if (inv) {
        d->calibration_note = sk_asprintf("level inversion: %s", inv);
        sum->inversions++;
        free(inv);
    }
    return d;
}

static int detail_cmp(const void *a, const void *b)
{
    /* qsort hands pointers to the vector's slots */
    int ia = catalog_index((*(TcpDetail *const *)a)->primitive_id);
    int ib = catalog_index((*(TcpDetail *const *)b)->primitive_id);
    return (ia < 0 ? 1000 : ia) - (ib < 0 ? 1000 : ib);
}

static char *latest_path(const char *home, const char *harness, const char *model)
{
    char *slug = tcp_model_slug(model);
    char *p = sk_asprintf("%s/profiles/%s/%s/latest.json", home, harness, slug);
    free(slug);
    return p;
}

SkStatus profiler_run(const ProfilerOptions *o, Tcp **out, ProfilerSummary *sum, SkError *err)
{
    *out = NULL;
    memset(sum, 0, sizeof *sum);
    if (!o->model || !*o->model)
        return sk_error_set(err, SK_ERR_INVALID, "no model to profile");
    if (!o->answer)
        return sk_error_set(err, SK_ERR_INVALID, "no answer source");
    /* primitives: validate the list (unknown ids are an error, not silently dropped) */
    size_t np = o->primitives ? o->nprimitives : probe_primitive_count();
    const char **prims = sk_calloc(np ? np : 1, sizeof *prims);
    for (size_t i = 0; i < np; i++) {
        const char *id = o->primitives ? o->primitives[i] : probe_primitive_id(i);
        if (!probe_known(id)) {
            free(prims);
            return sk_error_set(err, SK_ERR_INVALID, "unknown primitive '%s'", id);
        }
        const Primitive *p = catalog_find(id);
        prims[i] = p ? p->id : probe_primitive_id((size_t)catalog_index(id));
        for (size_t j = 0; j < i; j++)
            if (!strcmp(prims[j], prims[i])) {
                free(prims);
                return sk_error_set(err, SK_ERR_INVALID, "primitive '%s' listed twice", id);
            }
    }
    int instances = o->instances > 0 ? o->instances : 3;
    Ctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.harness = o->harness && *o->harness ? o->harness : TCP_DEFAULT_HARNESS;
    c.home = o->home ? sk_strdup(o->home) : sk_home_dir();
    c.db = o->db_path ? (*o->db_path ? sk_strdup(o->db_path) : NULL) : sk_path_join(c.home, "skvm.db");
    char stamp[40];
    sk_stamp(sk_wall_ms(), stamp, sizeof stamp);
    c.job = o->job_id ? sk_strdup(o->job_id) : sk_asprintf("profile-%s", stamp);
    pthread_mutex_init(&c.mu, NULL);
    c.nitems = np * 3 * (size_t)instances;
    c.items = sk_calloc(c.nitems, sizeof *c.items);
    size_t k = 0;
    for (size_t p = 0; p < np; p++)
        for (int l = 1; l <= 3; l++)
            for (int i = 0; i < instances; i++, k++) {
                c.items[k].primitive = prims[p];
                c.items[k].level = l;
                c.items[k].index = i;
                c.items[k].seed = profiler_instance_seed(o->seed, prims[p], l, i);
            }
    /* make sure the schema exists before the workers race to open it */
    if (c.db) {
        Store *st = NULL;
        SkStatus s = store_open(c.db, &st, err);
        store_close(st);
        if (s != SK_OK) {
            pthread_mutex_destroy(&c.mu);
            free(c.items), free(prims), free(c.home), free(c.db), free(c.job);
            return s;
        }
    }
    if (o->bus) {
        json_t *d = json_pack("{s:s,s:s,s:I,s:i,s:I}", "model", o->model, "harness", c.harness,
                              "total", (json_int_t)c.nitems, "instances", instances, "seed",
                              (json_int_t)(o->seed >> 11));
        trace_bus_publish(o->bus, trace_event_new(TRACE_RUN_START, c.job, -1, "profile", d));
    }
    int64_t t0 = sk_now_ms();
    int nthreads = o->concurrency > 0 ? o->concurrency : 1;
    if ((size_t)nthreads > c.nitems)
        nthreads = (int)(c.nitems ? c.nitems : 1);
    pthread_t *th = sk_calloc((size_t)nthreads, sizeof *th);
    int started = 0;
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker_main, &c) == 0)
            started++;
        else
            break;
    if (started == 0)
        worker_main(&c);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);

    /* the profile */
    Tcp *t = tcp_new(o->model, c.harness);
    char iso[40];
    sk_iso8601(sk_wall_ms(), iso, sizeof iso);
    t->profiled_at = sk_strdup(iso);
    sum->instances_total = (int)c.nitems;
    for (size_t i = 0; i < c.nitems; i++) {
        Item *it = &c.items[i];
        if (it->state != ITEM_DONE) {
            sum->partial = true;
            continue;
        }
        sum->instances_run += it->ran;
        sum->instances_reused += it->reused;
        if (it->infra) {
            sum->infra++;
            sum->partial = true;
        } else if (it->verdict == PROBE_PASS) {
            sum->passed++;
        } else if (it->verdict == PROBE_SKIP) {
            sum->skipped++;
        } else {
            sum->failed++;
        }
        sum->cost_usd += it->cost_usd;
        sum->tokens_in += it->tokens_in;
        sum->tokens_out += it->tokens_out;
    }
    sum->cancelled = cancelled(&c);
    /* keep the other primitives of an existing profile when only some were run: the
     * user's own latest.json, else the known (shipped) profile of the same model and
     * harness, so profiling two primitives does not hide the other 24 */
    if (o->primitives) {
        char *lp = latest_path(c.home, c.harness, o->model);
        if (!sk_is_file(lp)) {
            TcpIndex *idx = NULL;
            if (tcp_index_load(c.home, &idx, NULL) == SK_OK) {
                const Tcp *known = tcp_index_find(idx, o->model, c.harness);
                if (known && known->source_path && sk_str_eq(known->model, o->model) &&
                    sk_str_eq(known->harness, c.harness)) {
                    free(lp);
                    lp = sk_strdup(known->source_path);
                }
                tcp_index_free(idx);
            }
        }
        Tcp *old = NULL;
        if (sk_is_file(lp) && tcp_load_file(lp, &old, NULL) == SK_OK) {
            size_t kept = 0;
            for (size_t i = old->details.len; i > 0; i--) {
                TcpDetail *d = sk_vec_get(&old->details, i - 1);
                bool rerun = false;
                for (size_t p = 0; p < np; p++)
                    rerun |= !strcmp(prims[p], d->primitive_id);
                if (rerun)
                    continue;
                TcpDetail *taken = sk_vec_take(&old->details, i - 1);
                int idx = catalog_index(taken->primitive_id);
                if (idx >= 0)
                    t->caps[idx] = taken->highest;
                sk_vec_push(&t->details, taken);
                kept++;
            }
            /* capabilities without details (a profile written by hand or by another
             * tool) are kept too */
            for (int ci = 0; ci < CATALOG_COUNT; ci++) {
                const char *id = catalog_all(NULL)[ci].id;
                bool rerun = false;
                for (size_t p = 0; p < np; p++)
                    rerun |= !strcmp(prims[p], id);
                if (!rerun && t->caps[ci] < 0 && old->caps[ci] >= 0) {
                    t->caps[ci] = old->caps[ci];
                    kept++;
                }
            }
            /* kept details of a partial profile keep it partial */
            sum->partial |= old->is_partial && kept > 0;
            tcp_free(old);
        }
        free(lp);
    }
    for (size_t p = 0; p < np; p++) {
        bool any = false;
        TcpDetail *d = build_detail(&c, prims[p], instances, sum, &any);
        int idx = catalog_index(prims[p]);
        /* a primitive with no decided level was not measured: no capability entry (its
         * detail still says why), rather than an L0 the model did not earn */
        if (idx >= 0 && any)
            t->caps[idx] = d->highest;
        sk_vec_push(&t->details, d);
    }
    /* details in catalog order */
    sk_vec_sort(&t->details, detail_cmp);
    t->total_usd = sum->cost_usd;
    t->tokens_input = sum->tokens_in;
    t->tokens_output = sum->tokens_out;
    t->duration_ms = (double)(sk_now_ms() - t0);
    t->is_partial = sum->partial;
    SkStatus rc = SK_OK;
    if (o->save) {
        rc = tcp_save(t, c.home, err);
        if (rc == SK_OK)
            sum->saved_path = latest_path(c.home, c.harness, o->model);
    }
    if (rc == SK_OK && c.store_status != SK_OK)
        rc = sk_error_set(err, c.store_status, "recording instances: %s", c.store_err.msg);
    if (o->bus) {
        json_t *d = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:f}", "passed", sum->passed, "failed",
                              sum->failed, "skipped", sum->skipped, "infra", sum->infra, "reused",
                              sum->instances_reused, "inversions", sum->inversions, "partial",
                              sum->partial, "cost_usd", sum->cost_usd);
        trace_bus_publish(o->bus, trace_event_new(TRACE_JOB_END, c.job, -1, "profile", d));
    }
    for (size_t i = 0; i < c.nitems; i++) {
        free(c.items[i].summary);
        free(c.items[i].artifact);
        free(c.items[i].conv);
    }
    pthread_mutex_destroy(&c.mu);
    free(c.items), free(prims), free(c.home), free(c.db), free(c.job);
    *out = t;
    return rc;
}

/* ---- the agent as an answer source ---- */

typedef struct Stage {
    const char *src;
    bool staged;
} Stage;

static void stage_hook(const AgentHookCtx *ctx, void *ud)
{
    Stage *s = ud;
    if (s->staged || !ctx->workdir)
        return;
    sk_copy_tree(s->src, ctx->workdir, NULL);
    s->staged = true;
}

SkStatus profiler_agent_answer(void *ud, const ProbeInstance *in, const char *prompt,
                               const char *workdir, ProfilerAttempt *out, SkError *err)
{
    const ProfilerAgentSource *src = ud;
    AgentOptions o;
    agent_options_init(&o);
    o.model = src->model;
    o.client = src->client;
    o.bus = src->bus;
    o.home = src->home;
    o.db_path = src->db_path;
    o.prompt = prompt;
    o.max_steps = src->max_steps > 0 ? src->max_steps : 25;
    o.timeout_ms = src->timeout_ms > 0 ? src->timeout_ms : 120000;
    o.keep_workdir = true;
    o.cancel = src->cancel;
    o.allow_web = in->needs_server;
    Stage stage = {workdir, false};
    o.hooks.before_llm = stage_hook;
    o.hooks.ud = &stage;
    AgentResult *r = NULL;
    SkStatus s = agent_run(&o, &r, err);
    if (s != SK_OK)
        return s;
    out->final_text = sk_strdup(r->final_text ? r->final_text : "");
    out->workdir = r->workdir && r->workdir_kept ? sk_strdup(r->workdir) : NULL;
    out->status = sk_strdup(agent_status_name(r->status));
    out->detail = r->status_detail ? sk_strdup(r->status_detail) : NULL;
    out->run_id = r->run_id ? sk_strdup(r->run_id) : NULL;
    out->conversation = r->conversation_path ? sk_strdup(r->conversation_path) : NULL;
    out->tokens_in = r->tokens.input_tokens;
    out->tokens_out = r->tokens.output_tokens;
    out->cost_usd = r->cost_known ? r->cost_usd : 0;
    out->steps = r->steps;
    switch (r->status) {
    case AGENT_OK:
        break;
    case AGENT_MODEL_ERROR:
    case AGENT_TOOL_CRASH:
    case AGENT_CANCELLED:
    case AGENT_INTERRUPTED:
        out->infra = true;
        break;
    default: /* timeout, max steps: the model's own doing */
        out->tainted = true;
        break;
    }
    agent_result_free(r);
    return SK_OK;
}
