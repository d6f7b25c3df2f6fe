/*
 * dummy_check.c - sdc_dummy_check: a hand-made dummy dataset against
 * the definition, every row of it.
 */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "date.h"
#include "dummy.h"
#include "num.h"

/* What a variable's values may be. */
struct vinfo {
	enum sdc_schema_type type;
	enum sdc_code_system system;
	int nullable;
	size_t ncat;			/* 0: any value of the type */
	char **cat;			/* known values, formatted */
};

static int
nullable(const struct sdc_qnode *n)
{
	size_t i;

	switch (n->kind) {
	case SDC_Q_VALUE:
		return n->val.null;
	case SDC_Q_AGG:
		return !(n->op == SDC_QOP_AGG_EXISTS ||
		    n->op == SDC_QOP_AGG_COUNT ||
		    n->op == SDC_QOP_AGG_COUNT_DISTINCT ||
		    n->op == SDC_QOP_AGG_COUNT_EPISODES);
	case SDC_Q_UNARY:
		if (n->op == SDC_QOP_IS_NULL || n->op == SDC_QOP_IS_NOT_NULL)
			return 0;
		return 1;
	case SDC_Q_BINARY:
		if (n->op == SDC_QOP_WHEN_NULL)
			return nullable(n->kid[0]) && nullable(n->kid[1]);
		return 1;
	case SDC_Q_EXTREMUM:
		for (i = 0; i < n->n; i++)
			if (!nullable(n->kid[i]))
				return 0;
		return 1;
	case SDC_Q_CASE:
		if (n->n % 2 == 0)
			return 1;
		for (i = 1; i < n->n; i += 2)
			if (nullable(n->kid[i]))
				return 1;
		return nullable(n->kid[n->n - 1]);
	default:
		return 1;
	}
}

static int
add_cat(struct vinfo *v, enum sdc_schema_type type, const struct sdc_qval *x,
    const char *text, struct sdc_err *err)
{
	char buf[SDC_QVAL_FMT_MAX + 1], **p;
	const char *s = text;
	size_t n, i;

	if (x != NULL && x->null)
		return 0;
	n = x != NULL ? sdc_qval_format(type, x, buf, &s) : strlen(text);
	for (i = 0; i < v->ncat; i++)
		if (strlen(v->cat[i]) == n && memcmp(v->cat[i], s, n) == 0)
			return 0;
	if ((p = realloc(v->cat, (v->ncat + 1) * sizeof(*p))) == NULL)
		return sdc_err_nomem(err);
	v->cat = p;
	if ((p[v->ncat] = malloc(n + 1)) == NULL)
		return sdc_err_nomem(err);
	memcpy(p[v->ncat], s, n);
	p[v->ncat++][n] = '\0';
	return 0;
}

/*
 * Collect the values node can take into v; returns 1 when they are all
 * known, 0 when not, -1 on error.
 */
static int
known(const struct sdc_query *q, const struct sdc_qnode *n, struct vinfo *v,
    struct sdc_err *err)
{
	size_t i;
	int rc;

	switch (n->kind) {
	case SDC_Q_VALUE:
		return add_cat(v, n->type, &n->val, NULL, err) == 0 ? 1 : -1;
	case SDC_Q_COLUMN: {
		const struct sdc_qnode *f = n->kid[0];
		const struct sdc_schema_column *c =
		    &q->tables[f->table].schema->columns[n->column];
		const char *const *p;

		if (!(c->flags & SDC_COL_CATEGORICAL))
			return 0;
		for (p = c->categories; *p != NULL; p++)
			if (add_cat(v, n->type, NULL, *p, err) != 0)
				return -1;
		return 1;
	}
	case SDC_Q_CASE:
		for (i = 1; i < n->n; i += 2)
			if ((rc = known(q, n->kid[i], v, err)) != 1)
				return rc;
		if (n->n % 2 == 1)
			return known(q, n->kid[n->n - 1], v, err);
		return 1;
	case SDC_Q_MAP:
		for (i = 0; i < n->nvals; i++)
			if (add_cat(v, n->type, &n->map[i], NULL, err) != 0)
				return -1;
		return n->n == 2 ? known(q, n->kid[1], v, err) : 1;
	case SDC_Q_BINARY:
		if (n->op != SDC_QOP_WHEN_NULL)
			return 0;
		if ((rc = known(q, n->kid[0], v, err)) != 1)
			return rc;
		return known(q, n->kid[1], v, err);
	default:
		return 0;
	}
}

static void
release(struct vinfo *v, size_t n)
{
	size_t i, j;

	for (i = 0; v != NULL && i < n; i++) {
		for (j = 0; j < v[i].ncat; j++)
			free(v[i].cat[j]);
		free(v[i].cat);
	}
	free(v);
}

struct seen {
	int64_t id;
	unsigned long long line;
};

static int
by_id(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int
check_value(struct sdc_csv_reader *r, const struct sdc_qvar *var,
    const struct vinfo *v, size_t f, const char *s, size_t len,
    struct sdc_err *err)
{
	int64_t i;
	double d;
	int32_t day;
	size_t k;
	int st;

	if (len == 0) {
		if (v->nullable || (v->type == SDC_TYPE_STR && v->ncat == 0))
			return 0;
		return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
		    "%s: empty, but the variable is never NULL", var->name);
	}
	switch (v->type) {
	case SDC_TYPE_BOOL:
		if (len != 1 || (s[0] != 'T' && s[0] != 'F'))
			return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
			    "%s: '%.40s' is not a boolean (T or F)",
			    var->name, s);
		break;
	case SDC_TYPE_INT:
		if (sdc_num_parse_i64(s, len, INT64_MIN, INT64_MAX, &i) != 0)
			return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
			    "%s: '%.40s' is not an integer", var->name, s);
		break;
	case SDC_TYPE_FLOAT:
		if (sdc_num_parse_double(s, len, &d, NULL) != 0)
			return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
			    "%s: '%.40s' is not a number", var->name, s);
		break;
	case SDC_TYPE_DATE:
		if ((st = sdc_date_parse(s, len, &day)) != 0)
			return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
			    "%s: '%.40s': %s", var->name, s,
			    sdc_date_strerror(st));
		break;
	case SDC_TYPE_CODE:
		if (!sdc_code_valid(v->system, s, len))
			return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
			    "%s: '%.40s' is not a valid %s code (%s)",
			    var->name, s, sdc_code_system_label(v->system),
			    sdc_code_system_class(v->system));
		break;
	default:
		break;
	}
	if (v->ncat == 0)
		return 0;
	for (k = 0; k < v->ncat; k++)
		if (strlen(v->cat[k]) == len && memcmp(v->cat[k], s, len) == 0)
			return 0;
	return sdc_csv_reader_field_error(r, f, err, SDC_EDATA,
	    "%s: '%.40s' is not one of the values the definition can give "
	    "(%s%s%s%s)", var->name, s, v->cat[0], v->ncat > 1 ? ", " : "",
	    v->ncat > 1 ? v->cat[1] : "", v->ncat > 2 ? ", ..." : "");
}

int
sdc_dummy_check(const struct sdc_query *q, struct sdc_input *in,
    struct sdc_err *err)
{
	struct sdc_csv_reader *r = NULL;
	const struct sdc_csv_row *row;
	struct vinfo *v = NULL;
	struct seen *ids = NULL;
	size_t nids = 0, cap = 0, i, nv = q->nvars;
	int rc = -1, k;

	if ((v = calloc(nv + 1, sizeof(*v))) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < nv; i++) {
		const struct sdc_qnode *n = q->vars[i].node;

		v[i].type = n->type;
		v[i].system = n->system;
		v[i].nullable = nullable(n);
		if (n->type == SDC_TYPE_BOOL)
			continue;
		if ((k = known(q, n, &v[i], err)) < 0)
			goto out;
		if (k == 0) {
			size_t j;

			for (j = 0; j < v[i].ncat; j++)
				free(v[i].cat[j]);
			v[i].ncat = 0;
		}
	}
	if ((r = sdc_csv_reader_new(in, 0, err)) == NULL)
		goto out;
	row = sdc_csv_reader_header(r);
	for (i = 0; i <= nv; i++) {
		const char *want = i == 0 ? "patient_id" : q->vars[i - 1].name;

		if (i >= row->n) {
			sdc_csv_reader_field_error(r, row->n - 1, err,
			    SDC_EDATA, "missing column '%s' after '%s'", want,
			    row->field[row->n - 1]);
			goto out;
		}
		if (strcmp(row->field[i], want) != 0) {
			sdc_csv_reader_field_error(r, i, err, SDC_EDATA,
			    "column %zu is '%.40s', expected '%s'", i + 1,
			    row->field[i], want);
			goto out;
		}
	}
	if (row->n > nv + 1) {
		sdc_csv_reader_field_error(r, nv + 1, err, SDC_EDATA,
		    "unexpected column '%.40s': the definition has no such "
		    "variable", row->field[nv + 1]);
		goto out;
	}
	while ((k = sdc_csv_reader_next(r, &row, err)) == 1) {
		int64_t id;

		if (sdc_num_parse_i64(row->field[0], row->len[0], INT64_MIN,
		    INT64_MAX, &id) != 0) {
			sdc_csv_reader_field_error(r, 0, err, SDC_EDATA,
			    "patient_id: '%.40s' is not an integer",
			    row->field[0]);
			goto out;
		}
		if (nids == cap) {
			struct seen *p;

			cap = cap ? cap * 2 : 1024;
			if ((p = realloc(ids, cap * sizeof(*p))) == NULL) {
				sdc_err_nomem(err);
				goto out;
			}
			ids = p;
		}
		ids[nids].id = id;
		ids[nids++].line = row->line;
		for (i = 0; i < nv; i++)
			if (check_value(r, &q->vars[i], &v[i], i + 1,
			    row->field[i + 1], row->len[i + 1], err) != 0)
				goto out;
	}
	if (k < 0)
		goto out;
	if (nids > 1)
		qsort(ids, nids, sizeof(*ids), by_id);
	for (i = 1; i < nids; i++)
		if (ids[i].id == ids[i - 1].id) {
			sdc_err_set(err, SDC_EDATA, sdc_csv_reader_name(r),
			    ids[i].line, 1, "patient_id %lld repeats the row "
			    "on line %llu", (long long)ids[i].id,
			    ids[i - 1].line);
			goto out;
		}
	rc = 0;
out:
	sdc_csv_reader_free(r);
	release(v, nv);
	free(ids);
	return rc;
}
