/*
 * engine.c - sdc_engine_run: streams the tables in step by patient_id
 * (a k-way merge of sorted inputs) and evaluates the query per patient;
 * sdc_engine_write_csv: the dataset as CSV.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "engine_int.h"
#include "num.h"

struct cursor {
	struct eng_block *b;
	size_t g;			/* next patient group in b */
	int end;
	size_t ncols;
	int cols[ENG_MAXCOL];		/* materialised columns */
};

/* The patient_id of the cursor's next group: 1, 0 at the end, -1. */
static int
peek(struct eng_reader *rd, struct cursor *c, int64_t *pid,
    struct sdc_err *err)
{
	while (!c->end && (c->b == NULL || c->g >= c->b->ngrp)) {
		int rc;

		if (c->b != NULL) {
			eng_reader_put(rd, c->b);
			c->b = NULL;
		}
		if ((rc = eng_reader_get(rd, &c->b, err)) < 0)
			return -1;
		if (rc == 0)
			c->end = 1;
		c->g = 0;
	}
	if (c->end)
		return 0;
	*pid = c->b->pid[c->b->grp[c->g]];
	return 1;
}

int
eng_run(const struct sdc_query *q, const struct sdc_engine_opts *opts,
    eng_patient_fn *fn, void *ctx, struct sdc_err *err)
{
	struct eng_eval *x = NULL;
	struct eng_reader *rd = NULL;
	struct cursor *cur = NULL;
	struct eng_view *view;
	unsigned char *uni = NULL;
	size_t nt = q->ntables, t, c, nuni = 0;
	uint64_t npat = 0;
	int ret = -1, rc;

	if ((x = eng_eval_new(q, err)) == NULL)
		return -1;
	view = eng_eval_views(x);
	if ((rd = calloc(nt + 1, sizeof(*rd))) == NULL ||
	    (cur = calloc(nt + 1, sizeof(*cur))) == NULL ||
	    (uni = calloc(nt + 1, 1)) == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	for (t = 0; t < nt; t++) {
		rd[t].fd = -1;
		if (eng_reader_open(&rd[t], &q->tables[t], eng_eval_extra(x, t),
		    opts, err) != 0)
			goto out;
		for (c = 0; c < rd[t].st->ncolumns && c < ENG_MAXCOL; c++)
			if (rd[t].used >> c & 1)
				cur[t].cols[cur[t].ncols++] = (int)c;
		uni[t] = q->tables[t].mentioned_by_population != 0;
		nuni += uni[t];
	}
	/* a population that reads no table: every table's patients */
	if (nuni == 0)
		memset(uni, 1, nt);
	for (t = 0; t < nt; t++)
		if (eng_reader_start(&rd[t], rd[t].big, err) != 0)
			goto out;
	for (;;) {
		int64_t pid = 0, p;
		int have = 0;

		for (t = 0; t < nt; t++) {
			if (!uni[t])
				continue;
			if ((rc = peek(&rd[t], &cur[t], &p, err)) < 0)
				goto out;
			if (rc == 1 && (!have || p < pid)) {
				pid = p;
				have = 1;
			}
		}
		if (!have)
			break;
		for (t = 0; t < nt; t++) {
			struct cursor *k = &cur[t];

			view[t].n = 0;
			while ((rc = peek(&rd[t], k, &p, err)) == 1 &&
			    p < pid)
				k->g++;
			if (rc < 0)
				goto out;
			if (rc == 1 && p == pid) {
				size_t s = k->b->grp[k->g];

				view[t].n = k->b->grp[k->g + 1] - s;
				view[t].pid = k->b->pid + s;
				for (c = 0; c < k->ncols; c++)
					view[t].col[k->cols[c]] =
					    k->b->col[k->cols[c]] + s;
			}
		}
		npat++;
		if ((rc = fn(ctx, x, pid, view, err)) != 0) {
			ret = rc;
			goto out;
		}
		for (t = 0; t < nt; t++)
			if (view[t].n > 0)
				cur[t].g++;
		if ((npat & 0xffff) == 0 && opts->progress != NULL)
			opts->progress(opts->progress_ctx, npat, 0);
	}
	if (opts->progress != NULL)
		opts->progress(opts->progress_ctx, npat, 1);
	ret = 0;
out:
	if (rd != NULL)
		for (t = 0; t < nt; t++) {
			if (cur != NULL && cur[t].b != NULL)
				eng_reader_put(&rd[t], cur[t].b);
			eng_reader_close(&rd[t]);
		}
	free(rd);
	free(cur);
	free(uni);
	eng_eval_free(x);
	return ret;
}

struct rctx {
	sdc_engine_row_fn *fn;
	void *ctx;
	struct sdc_qval *vals;
};

static int
dataset_patient(void *ctx, struct eng_eval *x, int64_t pid,
    const struct eng_view *view, struct sdc_err *err)
{
	struct rctx *r = ctx;
	int rc;

	(void)view;
	if ((rc = eng_eval_patient(x, pid, r->vals, err)) < 0)
		return -1;
	return rc == 1 ? r->fn(r->ctx, pid, r->vals, err) : 0;
}

int
sdc_engine_run(const struct sdc_query *q, const struct sdc_engine_opts *opts,
    sdc_engine_row_fn *fn, void *ctx, struct sdc_err *err)
{
	struct rctx r;
	int rc;

	if (q->measures_mode)
		return sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "a measures "
		    "definition has no dataset: run it with --measures");
	r.fn = fn;
	r.ctx = ctx;
	if ((r.vals = calloc(q->nvars + 1, sizeof(*r.vals))) == NULL)
		return sdc_err_nomem(err);
	rc = eng_run(q, opts, dataset_patient, &r, err);
	free(r.vals);
	return rc;
}

struct wctx {
	const struct sdc_query *q;
	struct sdc_output *out;
	const char **field;
	size_t *len;
	char (*buf)[SDC_QVAL_FMT_MAX + 1];
};

static int
write_row(void *ctx, int64_t pid, const struct sdc_qval *vals,
    struct sdc_err *err)
{
	struct wctx *w = ctx;
	size_t i, n = w->q->nvars;
	char num[24];

	if (pid < 0) {
		num[0] = '-';
		w->len[0] = 1 + sdc_num_format_u64(0 - (uint64_t)pid, num + 1);
	} else {
		w->len[0] = sdc_num_format_u64((uint64_t)pid, num);
	}
	w->field[0] = num;
	for (i = 0; i < n; i++) {
		if (vals[i].null) {
			w->field[i + 1] = NULL;
			w->len[i + 1] = 0;
			continue;
		}
		w->len[i + 1] = sdc_qval_format(w->q->vars[i].node->type,
		    &vals[i], w->buf[i], &w->field[i + 1]);
	}
	return sdc_csv_write_row(w->out, n + 1, w->field, w->len, err);
}

int
sdc_engine_write_csv(const struct sdc_query *q,
    const struct sdc_engine_opts *opts, struct sdc_output *out,
    struct sdc_err *err)
{
	struct wctx w;
	size_t i, n = q->nvars;
	int rc = -1;

	w.q = q;
	w.out = out;
	w.field = calloc(n + 1, sizeof(*w.field));
	w.len = calloc(n + 1, sizeof(*w.len));
	w.buf = calloc(n + 1, sizeof(*w.buf));
	if (w.field == NULL || w.len == NULL || w.buf == NULL) {
		sdc_err_nomem(err);
		goto out;
	}
	w.field[0] = "patient_id";
	for (i = 0; i < n; i++)
		w.field[i + 1] = q->vars[i].name;
	if (sdc_csv_write_row(out, n + 1, w.field, NULL, err) != 0)
		goto out;
	rc = sdc_engine_run(q, opts, write_row, &w, err);
out:
	free(w.field);
	free(w.len);
	free(w.buf);
	return rc;
}
