/*
 * dummy.c - sdc_dummy_generate: batches of aimed patients, run through
 * the engine in a temporary directory, the passing ones kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dummy.h"
#include "dummy_int.h"
#include "dummy_measures.h"
#include "engine.h"
#include "num.h"

struct run {
	const struct sdc_query *q;
	const struct sdc_dummy_opts *o;
	struct dum_plan plan;
	struct dum_gen *gen;
	struct dum_target *tg;
	struct dum_meas *meas;		/* a measures definition, else NULL */
	char *dir;			/* the temporary directory */
	char *path;			/* scratch for file names */
	size_t pathcap;
	struct sdc_output **tout;	/* --tables-out, per table */
	/* the chunk being run */
	uint64_t first;			/* index of its first patient */
	size_t n, cap;
	struct dum_buf *tab;		/* per table: the chunk's rows */
	size_t *toff;			/* [patient * (nt + 1) + t] offsets */
	struct dum_choice *choice;	/* [patient * DUM_MAXCHOICE] */
	unsigned char *nchoice;
	unsigned char *pass;
	uint32_t *nonnull;		/* [patient]: hinted variables with
					   a value (bit per hint) */
	struct dum_buf ds;		/* dataset rows of passing patients */
	size_t *doff;			/* [patient]: start in ds; end next */
	/* engine callback scratch */
	char (*fmt)[SDC_QVAL_FMT_MAX + 1];
};

static char *
tpath(struct run *r, const char *dir, size_t t, struct sdc_err *err)
{
	const char *name = r->q->tables[t].schema->name;
	size_t need = strlen(dir) + strlen(name) + 8;

	if (need > r->pathcap) {
		char *p = realloc(r->path, need);

		if (p == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		r->path = p;
		r->pathcap = need;
	}
	snprintf(r->path, need, "%s/%s.csv", dir, name);
	return r->path;
}

/* CSV field, quoted as sdc_csv_write_row quotes it. */
static int
field(struct dum_buf *b, const char *s, size_t n, struct sdc_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			break;
	if (i == n)
		return dum_buf_add(b, s, n, err);
	if (dum_buf_add(b, "\"", 1, err) != 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((s[i] == '"' && dum_buf_add(b, "\"", 1, err) != 0) ||
		    dum_buf_add(b, s + i, 1, err) != 0)
			return -1;
	return dum_buf_add(b, "\"", 1, err);
}

/* Engine callback: a patient of the chunk passed; keep its row. */
static int
on_row(void *ctx, int64_t pid, const struct sdc_qval *vals,
    struct sdc_err *err)
{
	struct run *r = ctx;
	uint64_t i = (uint64_t)pid - 1 - r->first;
	char num[24];
	size_t k;

	if (pid < 1 || i >= r->n)
		return sdc_err_set(err, SDC_EDATA, NULL, 0, 0,
		    "internal error: patient %lld not generated",
		    (long long)pid);
	r->pass[i] = 1;
	r->doff[i] = r->ds.len;
	for (k = 0; k < r->plan.nhint; k++)
		if (!vals[r->plan.hint[k].vi].null)
			r->nonnull[i] |= (uint32_t)1 << k;
	if (dum_buf_add(&r->ds, num, sdc_num_format_u64((uint64_t)pid, num),
	    err) != 0)
		return -1;
	for (k = 0; k < r->q->nvars; k++) {
		const char *p = r->fmt[k];
		size_t n;

		if (dum_buf_add(&r->ds, ",", 1, err) != 0)
			return -1;
		if (vals[k].null)
			continue;
		n = sdc_qval_format(r->q->vars[k].node->type, &vals[k],
		    r->fmt[k], &p);
		if (field(&r->ds, p, n, err) != 0)
			return -1;
	}
	return dum_buf_add(&r->ds, "\n", 1, err);
}

static int
grow(struct run *r, size_t n, struct sdc_err *err)
{
	size_t nt = r->q->ntables + 1;

	if (n <= r->cap)
		return 0;
	free(r->toff);
	free(r->choice);
	free(r->nchoice);
	free(r->pass);
	free(r->nonnull);
	free(r->doff);
	r->toff = calloc((n + 1) * nt, sizeof(*r->toff));
	r->choice = calloc(n * DUM_MAXCHOICE, sizeof(*r->choice));
	r->nchoice = calloc(n, 1);
	r->pass = calloc(n, 1);
	r->nonnull = calloc(n, sizeof(*r->nonnull));
	r->doff = calloc(n + 1, sizeof(*r->doff));
	if (r->toff == NULL || r->choice == NULL || r->nchoice == NULL ||
	    r->pass == NULL || r->nonnull == NULL || r->doff == NULL) {
		r->cap = 0;
		return sdc_err_nomem(err);
	}
	r->cap = n;
	return 0;
}

static int
write_file(const char *path, const struct dum_buf *hdr,
    const struct dum_buf *body, struct sdc_err *err)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return sdc_err_set(err, SDC_EIO, path, 0, 0, "%s",
		    strerror(errno));
	if (fwrite(hdr->p, 1, hdr->len, f) != hdr->len ||
	    (body->len > 0 && fwrite(body->p, 1, body->len, f) != body->len)) {
		int e = errno;

		fclose(f);
		return sdc_err_set(err, SDC_EIO, path, 0, 0, "%s",
		    strerror(e));
	}
	if (fclose(f) != 0)
		return sdc_err_set(err, SDC_EIO, path, 0, 0, "%s",
		    strerror(errno));
	return 0;
}

/*
 * Make, run and keep patients first .. first + n - 1; *kept grows by
 * those passing, up to want.
 */
static int
run_chunk(struct run *r, uint64_t first, size_t n, uint64_t want,
    uint64_t *kept, struct sdc_err *err)
{
	const struct sdc_query *q = r->q;
	size_t nt = q->ntables, t, i;
	struct sdc_engine_opts eo;
	struct dum_buf hdr = { NULL, 0, 0 };
	int rc = -1;

	if (grow(r, n, err) != 0)
		return -1;
	r->first = first;
	r->n = n;
	r->ds.len = 0;
	memset(r->pass, 0, n);
	memset(r->nonnull, 0, n * sizeof(*r->nonnull));
	for (t = 0; t < nt; t++)
		r->tab[t].len = 0;
	for (i = 0; i < n; i++) {
		uint64_t idx = first + i;
		gsl_rng *rng = dum_gen_aim_rng(r->gen, idx);

		dum_aim(&r->plan, rng, r->tg);
		r->nchoice[i] = (unsigned char)r->tg->nchoice;
		memcpy(&r->choice[i * DUM_MAXCHOICE], r->tg->choice,
		    r->tg->nchoice * sizeof(*r->tg->choice));
		for (t = 0; t < nt; t++)
			r->toff[i * (nt + 1) + t] = r->tab[t].len;
		if (dum_gen_patient(r->gen, idx, (int64_t)idx + 1, r->tg,
		    r->tab, err) != 0)
			return -1;
	}
	for (t = 0; t < nt; t++)
		r->toff[n * (nt + 1) + t] = r->tab[t].len;
	for (t = 0; t < nt; t++) {
		const char *p;

		hdr.len = 0;
		if (dum_gen_header(q, t, &hdr, err) != 0 ||
		    (p = tpath(r, r->dir, t, err)) == NULL ||
		    write_file(p, &hdr, &r->tab[t], err) != 0)
			goto out;
	}
	memset(&eo, 0, sizeof(eo));
	eo.tables_dir = r->dir;
	if ((r->meas != NULL ? dum_meas_pass(r->meas, &eo, first, n, r->pass,
	    err) : sdc_engine_run(q, &eo, on_row, r, err)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		dum_learn_record(&r->plan, &r->choice[i * DUM_MAXCHOICE],
		    r->nchoice[i], r->pass[i], r->nonnull[i]);
		if (!r->pass[i] || *kept >= want)
			continue;
		for (t = 0; t < nt && r->tout != NULL; t++) {
			size_t a = r->toff[i * (nt + 1) + t];
			size_t b = r->toff[(i + 1) * (nt + 1) + t];

			if (b > a && sdc_output_write(r->tout[t],
			    r->tab[t].p + a, b - a, err) != 0)
				goto out;
		}
		if (r->o->dataset != NULL) {
			size_t a = r->doff[i], b;
			size_t j;

			for (j = i + 1; j < n && !r->pass[j]; j++)
				;
			b = j < n ? r->doff[j] : r->ds.len;
			if (sdc_output_write(r->o->dataset, r->ds.p + a, b - a,
			    err) != 0)
				goto out;
		}
		(*kept)++;
	}
	rc = 0;
out:
	free(hdr.p);
	return rc;
}

static void
cleanup(struct run *r)
{
	size_t t;
	struct sdc_err e;

	if (r->dir != NULL) {
		for (t = 0; t < r->q->ntables; t++) {
			const char *p = tpath(r, r->dir, t, &e);

			if (p != NULL)
				(void)unlink(p);
		}
		(void)rmdir(r->dir);
	}
	for (t = 0; r->tab != NULL && t < r->q->ntables; t++)
		free(r->tab[t].p);
	if (r->tout != NULL)
		for (t = 0; t < r->q->ntables; t++)
			sdc_output_abort(r->tout[t]);
	free(r->tout);
	free(r->tab);
	free(r->dir);
	free(r->path);
	free(r->toff);
	free(r->choice);
	free(r->nchoice);
	free(r->pass);
	free(r->nonnull);
	free(r->doff);
	free(r->ds.p);
	free(r->fmt);
	free(r->tg);
	dum_meas_free(r->meas);
	dum_gen_free(r->gen);
	dum_plan_release(&r->plan);
}

static int
open_outputs(struct run *r, struct sdc_err *err)
{
	const struct sdc_query *q = r->q;
	struct dum_buf hdr = { NULL, 0, 0 };
	size_t t;
	int rc = -1;

	if (r->o->tables_dir != NULL) {
		if (mkdir(r->o->tables_dir, 0777) != 0 && errno != EEXIST)
			return sdc_err_set(err, SDC_EIO, r->o->tables_dir, 0,
			    0, "%s", strerror(errno));
		if ((r->tout = calloc(q->ntables + 1,
		    sizeof(*r->tout))) == NULL)
			return sdc_err_nomem(err);
		for (t = 0; t < q->ntables; t++) {
			const char *p = tpath(r, r->o->tables_dir, t, err);

			hdr.len = 0;
			if (p == NULL ||
			    (r->tout[t] = sdc_output_open(p, err)) == NULL ||
			    dum_gen_header(q, t, &hdr, err) != 0 ||
			    sdc_output_write(r->tout[t], hdr.p, hdr.len,
			    err) != 0)
				goto out;
		}
	}
	if (r->o->dataset != NULL) {
		hdr.len = 0;
		if (dum_buf_add(&hdr, "patient_id", 10, err) != 0)
			goto out;
		for (t = 0; t < q->nvars; t++)
			if (dum_buf_add(&hdr, ",", 1, err) != 0 ||
			    field(&hdr, q->vars[t].name,
			    strlen(q->vars[t].name), err) != 0)
				goto out;
		if (dum_buf_add(&hdr, "\n", 1, err) != 0 ||
		    sdc_output_write(r->o->dataset, hdr.p, hdr.len, err) != 0)
			goto out;
	}
	rc = 0;
out:
	free(hdr.p);
	return rc;
}

static int
limit_error(const struct sdc_query *q, uint64_t want, uint64_t kept,
    uint64_t made, struct sdc_err *err)
{
	const char *file = NULL;
	unsigned line = 0, col = 0;

	dum_meas_where(q, &file, &line, &col);
	return sdc_err_set(err, SDC_ELIMIT, file, line, col,
	    "population of %llu not reached: %llu of %llu generated patients "
	    "passed it; the population may be impossible, or too narrow for "
	    "the generator to aim at", (unsigned long long)want,
	    (unsigned long long)kept, (unsigned long long)made);
}

int
sdc_dummy_generate(const struct sdc_query *q,
    const struct sdc_dummy_opts *o, struct sdc_dummy_stats *st,
    struct sdc_err *err)
{
	struct run r;
	uint64_t want, kept = 0, idx = 0, limit;
	unsigned batch = 0;
	size_t t;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.q = q;
	r.o = o;
	if (q->measures_mode && o->dataset != NULL)
		return dum_meas_generate(q, o, st, err);
	if (q->population == NULL && !q->measures_mode)
		return sdc_err_set(err, SDC_EDATA, NULL, 0, 0,
		    "the definition has no population (define_population)");
	if (q->ntables == 0) {
		const char *file = NULL;
		unsigned line = 0, col = 0;

		dum_meas_where(q, &file, &line, &col);
		return sdc_err_set(err, SDC_EDATA, file, line, col,
		    "the population reads no table: nothing to generate");
	}
	if (o->seed > 0xffffffffULL)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0,
		    "seed %llu is out of range 0..4294967295",
		    (unsigned long long)o->seed);
	want = (uint64_t)(o->population_size > 0 ? o->population_size :
	    q->dummy.population_size > 0 ? q->dummy.population_size :
	    SDC_DUMMY_POPULATION);
	if (want > SDC_DUMMY_POPULATION_MAX)
		return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
		    "population size %llu is over the limit of %d",
		    (unsigned long long)want, SDC_DUMMY_POPULATION_MAX);
	limit = SDC_DUMMY_TRIES * want + SDC_DUMMY_TRIES_MIN;
	if (q->measures_mode && (r.meas = dum_meas_new(q, err)) == NULL)
		return -1;
	if (dum_plan_init(&r.plan, r.meas != NULL ? dum_meas_aimq(r.meas) : q,
	    o->anchor, err) != 0) {
		dum_meas_free(r.meas);
		return -1;
	}
	if ((r.gen = dum_gen_new(q, o->seed, o->anchor, err)) == NULL)
		goto out;
	r.tg = calloc(1, sizeof(*r.tg));
	r.tab = calloc(q->ntables + 1, sizeof(*r.tab));
	r.fmt = calloc(q->nvars + 1, sizeof(*r.fmt));
	r.dir = malloc(strlen(o->tmpdir) + 32);
	if (r.tg == NULL || r.tab == NULL || r.fmt == NULL || r.dir == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	sprintf(r.dir, "%s/sdc-dummy.XXXXXX", o->tmpdir);
	if (mkdtemp(r.dir) == NULL) {
		sdc_err_set(err, SDC_EIO, o->tmpdir, 0, 0,
		    "cannot make a temporary directory: %s", strerror(errno));
		free(r.dir);
		r.dir = NULL;
		goto out;
	}
	if (open_outputs(&r, err) != 0)
		goto out;
	while (kept < want) {
		uint64_t size = (uint64_t)SDC_DUMMY_BATCH_FIRST << (batch < 20 ?
		    batch : 20);
		uint64_t end;

		if (size > SDC_DUMMY_BATCH_MAX)
			size = SDC_DUMMY_BATCH_MAX;
		end = idx + size;
		/*
		 * The batch may be made in smaller chunks when fewer
		 * patients are needed: a patient does not depend on the
		 * chunk, only on the batch's learnt weights.
		 */
		while (idx < end && kept < want) {
			uint64_t n = end - idx;

			if (kept > 0) {
				double rate = (double)kept / (double)idx;
				double need = (double)(want - kept) / rate *
				    1.2 + 64;

				if (need < (double)n)
					n = (uint64_t)need;
			}
			if (run_chunk(&r, idx, (size_t)n, want, &kept,
			    err) != 0)
				goto out;
			idx += n;
		}
		batch++;
		if (o->progress != NULL)
			o->progress(o->progress_ctx, idx, kept);
		if (kept >= want)
			break;
		if ((kept == 0 && idx >= SDC_DUMMY_NONE_PASS) || idx >= limit) {
			limit_error(q, want, kept, idx, err);
			goto out;
		}
		dum_learn_update(&r.plan);
	}
	if (r.tout != NULL) {
		for (t = 0; t < q->ntables; t++) {
			struct sdc_output *out = r.tout[t];

			r.tout[t] = NULL;
			if (sdc_output_commit(out, err) != 0)
				goto out;
		}
	}
	if (st != NULL) {
		st->generated = idx;
		st->kept = kept;
		st->batches = batch;
	}
	rc = 0;
out:
	cleanup(&r);
	return rc;
}
