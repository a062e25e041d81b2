/* Peers timed on the same shapes and sizes: OpenBLAS cblas_sgemm and oneDNN (matmul, eltwise
 * ReLU forward/backward), single-threaded, set up outside the timed loop. OpenBLAS 0.3.21
 * picks its kernels once, when the library initialises, from OPENBLAS_CORETYPE or its own CPU
 * detection (which takes some AVX-512 CPUs for SSE3 "Prescott"); to time both choices in one
 * run, a second copy of this program is started with OPENBLAS_CORETYPE set and serves timed
 * sgemm calls over a pipe ("openblas_skx", manual time, same pinned CPU). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgb.h"
#include "sgb_build.h"

#if SGB_HAVE_OPENBLAS
#include <cblas.h>
#endif
#if SGB_HAVE_DNNL
#include <dnnl.h>
/* oneDNN here is built on OpenMP; the benchmark thread is the only one that should run. */
void omp_set_num_threads(int n);
#endif

static char notes[1024];

const char *sgb_peer_notes(void) { return notes[0] ? notes : "none"; }

/* Appends to the notes the summary and the JSON context show ("; " between entries). */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    size_t used = strlen(notes);
    if (used && used + 2 < sizeof notes) {
        memcpy(notes + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes + used, sizeof notes - used, fmt, ap);
    va_end(ap);
}

typedef struct pctx {
    const sgb_meta *meta;
    sg_trans ta, tb;
    size_t m, n, k;
    float g0;
    int fd_req, fd_rep; /* openblas server pipes, or -1 */
} pctx;

#if SGB_HAVE_OPENBLAS || SGB_HAVE_DNNL
static void matmul_counters(sgb_state *st, const pctx *c)
{
    sgb_counters(st, c->meta, (double)(c->m * c->n));
    sgb_counter_roofline(st, c->meta, NULL);
}

static pctx *add_peer_matmul(const sgb_topo *t, const char *impl, const sgb_shape *s, sgb_fn fn)
{
    static const char *const forms[2][2] = {{"matmul_nn", "matmul_nt"}, {"matmul_tn", "matmul_tt"}};
    pctx *c = sgb_ctx_alloc(sizeof *c);
    char args[64];
    snprintf(args, sizeof args, "m:%zu/n:%zu/k:%zu", s->m, s->n, s->k);
    double bytes = 4.0 * ((double)s->m * s->k + (double)s->k * s->n + (double)s->m * s->n);
    c->meta = sgb_meta_add(forms[s->ta][s->tb], impl, args, 2.0 * s->m * s->n * s->k, bytes,
                           sgb_level_of(t, (size_t)bytes), SGB_BW_ADD);
    c->ta = s->ta;
    c->tb = s->tb;
    c->m = s->m;
    c->n = s->n;
    c->k = s->k;
    c->fd_req = c->fd_rep = -1;
    const char *names[] = {"m", "n", "k"};
    const int64_t values[] = {(int64_t)s->m, (int64_t)s->n, (int64_t)s->k};
    sgb_bench *b = sgb_register_meta(c->meta, fn, c, 3, names, values);
    if (!strcmp(impl, "openblas_skx"))
        sgb_use_manual_time(b);
    return c;
}

#endif

/* ------------------------------------------------------------------ OpenBLAS */
#if SGB_HAVE_OPENBLAS
typedef struct srv_req {
    int32_t ta, tb;
    int64_t m, n, k, iters; /* iters == 0: exit */
} srv_req;

static void sgemm(sg_trans ta, sg_trans tb, size_t m, size_t n, size_t k, const float *a, const float *b,
                  float *out)
{
    const int lda = ta == SG_NO_TRANS ? (int)k : (int)m, ldb = tb == SG_NO_TRANS ? (int)n : (int)k;
    cblas_sgemm(CblasRowMajor, ta == SG_TRANS ? CblasTrans : CblasNoTrans,
                tb == SG_TRANS ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, lda, b, ldb,
                0.0f, out, (int)n);
}

static void run_openblas(sgb_state *st, void *p)
{
    const pctx *c = p;
    float *a = sgb_alloc(c->m * c->k), *b = sgb_alloc(c->k * c->n), *out = sgb_alloc(c->m * c->n);
    sgb_fill(a, c->m * c->k, 21, false);
    sgb_fill(b, c->k * c->n, 22, false);
    const int64_t batch = sgb_batch_for((double)c->m * c->n * c->k);
    while (sgb_keep_running_batch(st, batch))
        for (int64_t r = 0; r < batch; r++)
            sgemm(c->ta, c->tb, c->m, c->n, c->k, a, b, out);
    if (!sgb_check_matmul(c->ta, c->tb, c->m, c->n, c->k, a, c->ta == SG_NO_TRANS ? c->k : c->m, b,
                          c->tb == SG_NO_TRANS ? c->n : c->k, out, c->n))
        sgb_skip(st, "cblas_sgemm gave a wrong result");
    else
        matmul_counters(st, c);
    free(a);
    free(b);
    free(out);
}

/* Thread CPU time, the clock Google Benchmark's rates use in the parent, so both OpenBLAS
   configurations are measured alike (time spent descheduled on a busy machine is not counted). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r <= 0)
            return false;
        p += r;
        len -= (size_t)r;
    }
    return true;
}

static bool write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static void run_openblas_remote(sgb_state *st, void *p)
{
    const pctx *c = p;
    const int64_t batch = sgb_batch_for((double)c->m * c->n * c->k);
    srv_req q = {(int32_t)c->ta, (int32_t)c->tb, (int64_t)c->m, (int64_t)c->n, (int64_t)c->k, batch};
    while (sgb_keep_running_batch(st, batch)) {
        double secs;
        if (!write_full(c->fd_req, &q, sizeof q) || !read_full(c->fd_rep, &secs, sizeof secs)) {
            sgb_skip(st, "openblas server died");
            return;
        }
        if (secs < 0) {
            sgb_skip(st, "cblas_sgemm (server) gave a wrong result");
            return;
        }
        sgb_set_iteration_time(st, secs);
    }
    matmul_counters(st, c);
}

int sgb_openblas_server_main(void)
{
    openblas_set_num_threads(1);
    char core[64] = {0};
    snprintf(core, sizeof core, "%s", openblas_get_corename());
    if (!write_full(1, core, sizeof core))
        return 1;
    float *a = NULL, *b = NULL, *out = NULL;
    srv_req q, have = {0, 0, 0, 0, 0, 0};
    while (read_full(0, &q, sizeof q) && q.iters > 0) {
        const size_t m = (size_t)q.m, n = (size_t)q.n, k = (size_t)q.k;
        if (q.m != have.m || q.n != have.n || q.k != have.k) {
            free(a);
            free(b);
            free(out);
            a = sgb_alloc(m * k);
            b = sgb_alloc(k * n);
            out = sgb_alloc(m * n);
            sgb_fill(a, m * k, 21, false);
            sgb_fill(b, k * n, 22, false);
            sgemm((sg_trans)q.ta, (sg_trans)q.tb, m, n, k, a, b, out); /* warm caches and OpenBLAS buffers */
            have = q;
        }
        const double t0 = now();
        for (int64_t r = 0; r < q.iters; r++)
            sgemm((sg_trans)q.ta, (sg_trans)q.tb, m, n, k, a, b, out);
        double secs = now() - t0;
        if (!sgb_check_matmul((sg_trans)q.ta, (sg_trans)q.tb, m, n, k, a, q.ta == SG_NO_TRANS ? k : m, b,
                              q.tb == SG_NO_TRANS ? n : k, out, n))
            secs = -1; /* the parent skips the benchmark with an error */
        if (!write_full(1, &secs, sizeof secs))
            break;
    }
    free(a);
    free(b);
    free(out);
    return 0;
}

/* Starts this program again as a server with OPENBLAS_CORETYPE=coretype; returns its corename. */
static bool start_server(const char *coretype, int *fd_req, int *fd_rep, char core[64])
{
    int req[2], rep[2];
    if (pipe(req) || pipe(rep))
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        dup2(req[0], 0);
        dup2(rep[1], 1);
        close(req[0]);
        close(req[1]);
        close(rep[0]);
        close(rep[1]);
        setenv("OPENBLAS_CORETYPE", coretype, 1);
        execl("/proc/self/exe", "simdgrad-bench", "--openblas-server", (char *)NULL);
        _exit(127);
    }
    close(req[0]);
    close(rep[1]);
    *fd_req = req[1];
    *fd_rep = rep[0];
    /* The server dies with its stdin when this process exits. */
    return read_full(*fd_rep, core, 64);
}
#else
int sgb_openblas_server_main(void) { return 1; }
#endif

/* ------------------------------------------------------------------ oneDNN */
#if SGB_HAVE_DNNL
typedef struct dnnl_ctx {
    dnnl_engine_t eng;
    dnnl_stream_t stream;
} dnnl_ctx;
static dnnl_ctx dn;

static void md_2d(dnnl_memory_desc_t *md, size_t rows, size_t cols, bool trans, size_t ld)
{
    dnnl_dims_t dims = {(dnnl_dim_t)rows, (dnnl_dim_t)cols};
    dnnl_dims_t strides = {trans ? 1 : (dnnl_dim_t)ld, trans ? (dnnl_dim_t)ld : 1};
    dnnl_memory_desc_init_by_strides(md, 2, dims, dnnl_f32, strides);
}

static void run_dnnl_matmul(sgb_state *st, void *p)
{
    const pctx *c = p;
    const size_t m = c->m, n = c->n, k = c->k;
    float *a = sgb_alloc(m * k), *b = sgb_alloc(k * n), *out = sgb_alloc(m * n);
    sgb_fill(a, m * k, 21, false);
    sgb_fill(b, k * n, 22, false);
    dnnl_memory_desc_t amd, bmd, cmd;
    md_2d(&amd, m, k, c->ta == SG_TRANS, c->ta == SG_NO_TRANS ? k : m);
    md_2d(&bmd, k, n, c->tb == SG_TRANS, c->tb == SG_NO_TRANS ? n : k);
    md_2d(&cmd, m, n, false, n);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t am = NULL, bm = NULL, cm = NULL;
    if (dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &desc, NULL, dn.eng, NULL) != dnnl_success ||
        dnnl_primitive_create(&prim, pd) != dnnl_success || dnnl_memory_create(&am, &amd, dn.eng, a) ||
        dnnl_memory_create(&bm, &bmd, dn.eng, b) || dnnl_memory_create(&cm, &cmd, dn.eng, out)) {
        sgb_skip(st, "oneDNN matmul primitive creation failed");
    } else {
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
        const int64_t batch = sgb_batch_for((double)m * n * k);
        while (sgb_keep_running_batch(st, batch)) {
            for (int64_t r = 0; r < batch; r++)
                dnnl_primitive_execute(prim, dn.stream, 3, args);
            dnnl_stream_wait(dn.stream);
        }
        if (!sgb_check_matmul(c->ta, c->tb, m, n, k, a, c->ta == SG_NO_TRANS ? k : m, b,
                              c->tb == SG_NO_TRANS ? n : k, out, n))
            sgb_skip(st, "oneDNN matmul gave a wrong result");
        else
            matmul_counters(st, c);
    }
    dnnl_memory_destroy(am);
    dnnl_memory_destroy(bm);
    dnnl_memory_destroy(cm);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    free(a);
    free(b);
    free(out);
}

/* ReLU forward (training) and backward; oneDNN's backward uses alpha·dy at h == 0, i.e. the
   g0 = 0 convention only. */
static void run_dnnl_relu(sgb_state *st, void *p)
{
    const pctx *c = p;
    const size_t n = c->n;
    const bool bwd = !strncmp(c->meta->name, "relu_grad/", 10);
    float *arr[3];
    float *block = sgb_alloc_set(n, 3, arr);
    float *h = arr[0], *dy = arr[1], *out = arr[2];
    sgb_fill(h, n, 11, true);
    sgb_fill(dy, n, 12, false);
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {(dnnl_dim_t)n};
    dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a);
    dnnl_eltwise_desc_t fd, bd;
    dnnl_primitive_desc_t fpd = NULL, bpd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_memory_t hm = NULL, dym = NULL, om = NULL;
    bool ok = dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training, dnnl_eltwise_relu, &md, 0.f, 0.f) ==
                  dnnl_success &&
              dnnl_primitive_desc_create(&fpd, &fd, NULL, dn.eng, NULL) == dnnl_success;
    if (ok && bwd)
        ok = dnnl_eltwise_backward_desc_init(&bd, dnnl_eltwise_relu, &md, &md, 0.f, 0.f) == dnnl_success &&
             dnnl_primitive_desc_create(&bpd, &bd, NULL, dn.eng, fpd) == dnnl_success;
    ok = ok && dnnl_primitive_create(&prim, bwd ? bpd : fpd) == dnnl_success &&
         dnnl_memory_create(&hm, &md, dn.eng, h) == dnnl_success &&
         dnnl_memory_create(&dym, &md, dn.eng, dy) == dnnl_success &&
         dnnl_memory_create(&om, &md, dn.eng, out) == dnnl_success;
    if (!ok) {
        sgb_skip(st, "oneDNN eltwise primitive creation failed");
    } else {
        dnnl_exec_arg_t fargs[2] = {{DNNL_ARG_SRC, hm}, {DNNL_ARG_DST, om}};
        dnnl_exec_arg_t bargs[3] = {{DNNL_ARG_SRC, hm}, {DNNL_ARG_DIFF_DST, dym}, {DNNL_ARG_DIFF_SRC, om}};
        const int64_t batch = sgb_batch_for((double)n);
        while (sgb_keep_running_batch(st, batch)) {
            for (int64_t r = 0; r < batch; r++)
                dnnl_primitive_execute(prim, dn.stream, bwd ? 3 : 2, bwd ? bargs : fargs);
            dnnl_stream_wait(dn.stream);
        }
        /* Sampled check (numeric: oneDNN may give -0 where the contract says +0). */
        bool right = true;
        for (size_t s = 0; s < 64 && right; s++) {
            const size_t i = (s * 2654435761u) % n;
            const float want = h[i] > 0 ? (bwd ? dy[i] : h[i]) : 0.0f;
            right = out[i] == want || h[i] != h[i];
        }
        if (!right) {
            sgb_skip(st, "oneDNN eltwise ReLU gave a wrong result");
        } else {
            sgb_counters(st, c->meta, (double)n);
            sgb_counter_roofline(st, c->meta, NULL);
        }
    }
    dnnl_memory_destroy(hm);
    dnnl_memory_destroy(dym);
    dnnl_memory_destroy(om);
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(bpd);
    dnnl_primitive_desc_destroy(fpd);
    free(block);
}

/* The implementation oneDNN picks for a primitive, queried once for the notes. */
static const char *dnnl_matmul_impl(size_t m, size_t n, size_t k)
{
    static char name[64];
    dnnl_memory_desc_t amd, bmd, cmd;
    md_2d(&amd, m, k, false, k);
    md_2d(&bmd, k, n, false, n);
    md_2d(&cmd, m, n, false, n);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    const char *s = "?";
    snprintf(name, sizeof name, "?");
    if (dnnl_matmul_desc_init(&desc, &amd, &bmd, NULL, &cmd) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &desc, NULL, dn.eng, NULL) == dnnl_success) {
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) == dnnl_success)
            snprintf(name, sizeof name, "%s", s);
        dnnl_primitive_desc_destroy(pd);
    }
    return name;
}

static const char *dnnl_relu_impl(size_t n)
{
    static char name[64];
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {(dnnl_dim_t)n};
    dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a);
    dnnl_eltwise_desc_t fd;
    dnnl_primitive_desc_t pd;
    const char *s = "?";
    snprintf(name, sizeof name, "?");
    if (dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training, dnnl_eltwise_relu, &md, 0.f, 0.f) ==
            dnnl_success &&
        dnnl_primitive_desc_create(&pd, &fd, NULL, dn.eng, NULL) == dnnl_success) {
        if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) == dnnl_success)
            snprintf(name, sizeof name, "%s", s);
        dnnl_primitive_desc_destroy(pd);
    }
    return name;
}
#endif

void sgb_register_peers(const sgb_topo *t, bool quick)
{
#if SGB_HAVE_OPENBLAS || SGB_HAVE_DNNL
    sgb_shape shapes[64];
    const size_t ns = sgb_plan_shapes(quick, shapes, 64);
#else
    (void)t;
    (void)quick;
#endif
#if SGB_HAVE_OPENBLAS
    openblas_set_num_threads(1);
    const char *env = getenv("OPENBLAS_CORETYPE");
    char core[64];
    snprintf(core, sizeof core, "%s", openblas_get_corename());
    note("openblas %s: core '%s', 1 thread", env ? "(OPENBLAS_CORETYPE set)" : "(own CPU detection)", core);
    for (size_t s = 0; s < ns; s++)
        add_peer_matmul(t, "openblas", &shapes[s], run_openblas);
    /* The second configuration, the kernels OpenBLAS should pick on an AVX-512 CPU, unless its
       own detection already chose exactly those. */
    for (char *p = core; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (sg_isa_available(SG_ISA_AVX512) && !strstr(core, "skylakex")) {
        int fq, fr;
        char score[64];
        if (start_server("SkylakeX", &fq, &fr, score)) {
            note("openblas_skx (OPENBLAS_CORETYPE=SkylakeX, separate process, same CPU): core '%s'", score);
            for (size_t s = 0; s < ns; s++) {
                pctx *c = add_peer_matmul(t, "openblas_skx", &shapes[s], run_openblas_remote);
                c->fd_req = fq;
                c->fd_rep = fr;
            }
        } else {
            note("openblas_skx: could not start the OPENBLAS_CORETYPE=SkylakeX server");
        }
    }
#else
    note("openblas: disabled or not found at configure time (meson -Dpeers)");
#endif
#if SGB_HAVE_DNNL
    omp_set_num_threads(1);
    if (dnnl_engine_create(&dn.eng, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&dn.stream, dn.eng, dnnl_stream_default_flags) != dnnl_success) {
        note("onednn: engine creation failed");
        return;
    }
    const dnnl_version_t *v = dnnl_version();
    char ver[32];
    snprintf(ver, sizeof ver, "%d.%d.%d", v->major, v->minor, v->patch);
    note("onednn %s: 1 OpenMP thread, matmul impl '%s' (64x64x64 NN)", ver, dnnl_matmul_impl(64, 64, 64));
    /* relu (x, y: 32 bytes per 4 elements) and relu_grad (h, dy, dx: 48) at the kernels' sizes. */
    size_t rn[64], gn[64];
    int rl[64], gl[64];
    const size_t nr = sgb_plan_eltwise(t, quick, NULL, 32, rn, rl, 64);
    const size_t ng = sgb_plan_eltwise(t, quick, NULL, 48, gn, gl, 64);
    for (size_t l = 0; l < nr || l < ng; l++) {
        char args[32];
        const char *names[] = {"n"};
        int64_t values[] = {0};
        pctx *c;
        if (l < nr) {
            c = sgb_ctx_alloc(sizeof *c);
            c->n = rn[l];
            if (l == 0)
                note("onednn eltwise relu impl '%s'", dnnl_relu_impl(c->n));
            snprintf(args, sizeof args, "n:%zu", c->n);
            c->meta = sgb_meta_add("relu", "onednn", args, 0, 8.0 * c->n, rl[l], SGB_BW_COPY);
            values[0] = (int64_t)c->n;
            sgb_register_meta(c->meta, run_dnnl_relu, c, 1, names, values);
        }
        if (l < ng) {
            c = sgb_ctx_alloc(sizeof *c);
            c->n = gn[l];
            snprintf(args, sizeof args, "n:%zu", c->n);
            sgb_meta *m = sgb_meta_add("relu_grad", "onednn/g0:0", args, 0, 12.0 * c->n, gl[l], SGB_BW_ADD);
            snprintf(m->impl, sizeof m->impl, "onednn");
            snprintf(m->group, sizeof m->group, "relu_grad/g0:0/%s", args);
            snprintf(m->table, sizeof m->table, "relu_grad/g0:0");
            c->meta = m;
            values[0] = (int64_t)c->n;
            sgb_register_meta(c->meta, run_dnnl_relu, c, 1, names, values);
        }
    }
    for (size_t s = 0; s < ns; s++)
        add_peer_matmul(t, "onednn", &shapes[s], run_dnnl_matmul);
#else
    note("onednn: disabled or not found at configure time (meson -Dpeers)");
#endif
}
