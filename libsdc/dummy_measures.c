/*
 * dummy_measures.c - sdc-dummy for measures definitions: the aiming
 * query, the exact per-patient population filter, and the measures
 * CSV over the generated tables.  See dummy_measures.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dummy_measures.h"
#include "engine_int.h"
#include "measures.h"

struct dum_meas {
	const struct sdc_query *q;
	struct sdc_query aq;		/* the aiming query */
	struct sdc_qnode *node;		/* nodes made for aq (own kids) */
	size_t nnode, capnode;
	struct sdc_qnode **memo;	/* per q node id: its copy */
	struct sdc_qvar *vars;		/* aq.vars */
	int32_t first, last;		/* the hull of the intervals */
	/* the pass */
	size_t nivl;			/* distinct intervals, any order */
	int32_t (*ivl)[2];
	unsigned char *dtab;		/* nm * nt: tables a denominator reads */
	unsigned char *dany;		/* per measure: it reads some table */
	unsigned char *in;		/* per measure, per patient */
	uint64_t pfirst;		/* the batch being run */
	size_t pn;
	unsigned char *pass;
};

static struct sdc_qnode *
make(struct dum_meas *m, const struct sdc_qnode *like, size_t nkid,
    struct sdc_err *err)
{
	struct sdc_qnode *n;

	if (m->nnode >= m->capnode) {
		sdc_err_set(err, SDC_EDATA, NULL, 0, 0, "internal error: "
		    "aiming query too big");
		return NULL;
	}
	n = &m->node[m->nnode];
	if (like != NULL)
		*n = *like;
	n->kid = NULL;
	n->n = 0;
	if (nkid > 0 && (n->kid = calloc(nkid, sizeof(*n->kid))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	n->n = nkid;
	n->id = (unsigned)(m->q->nnodes + m->nnode);
	n->interval = 0;
	m->nnode++;
	return n;
}

/* n with INTERVAL's dates replaced by the hull's; NULL on error. */
static struct sdc_qnode *
subst(struct dum_meas *m, struct sdc_qnode *n, struct sdc_err *err)
{
	struct sdc_qnode *c;
	size_t i;

	if (!n->interval)
		return n;
	if (m->memo[n->id] != NULL)
		return m->memo[n->id];
	if (n->kind == SDC_Q_INTERVAL) {
		if ((c = make(m, n, 0, err)) == NULL)
			return NULL;
		c->kind = SDC_Q_VALUE;
		c->type = SDC_TYPE_DATE;
		c->level = SDC_QL_PATIENT;
		memset(&c->val, 0, sizeof(c->val));
		c->val.u.d = n->op == SDC_QOP_INTERVAL_START ? m->first :
		    m->last;
	} else {
		struct sdc_qnode *kid[64], **kids = kid;

		if (n->n > 64 && (kids = calloc(n->n, sizeof(*kids))) == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		for (i = 0; i < n->n; i++)
			if ((kids[i] = subst(m, n->kid[i], err)) == NULL)
				break;
		if (i < n->n || (c = make(m, n, n->n, err)) == NULL) {
			if (kids != kid)
				free(kids);
			return NULL;
		}
		memcpy(c->kid, kids, n->n * sizeof(*kids));
		if (kids != kid)
			free(kids);
	}
	m->memo[n->id] = c;
	return c;
}

/* A node that is TRUE when measure ms's denominator counts. */
static struct sdc_qnode *
counts(struct dum_meas *m, const struct sdc_qmeasure *ms, struct sdc_err *err)
{
	struct sdc_qnode *d = subst(m, ms->denominator, err), *z, *gt;

	if (d == NULL || d->type == SDC_TYPE_BOOL)
		return d;
	if ((z = make(m, NULL, 0, err)) == NULL ||
	    (gt = make(m, NULL, 2, err)) == NULL)
		return NULL;
	z->kind = SDC_Q_VALUE;
	z->type = SDC_TYPE_INT;
	z->level = SDC_QL_PATIENT;
	gt->kind = SDC_Q_BINARY;
	gt->op = SDC_QOP_GT;
	gt->type = SDC_TYPE_BOOL;
	gt->level = SDC_QL_PATIENT;
	gt->file = d->file;
	gt->line = d->line;
	gt->col = d->col;
	gt->kid[0] = d;
	gt->kid[1] = z;
	return gt;
}

static int
ivl_seen(const struct dum_meas *m, const int32_t *v)
{
	size_t i;

	for (i = 0; i < m->nivl; i++)
		if (m->ivl[i][0] == v[0] && m->ivl[i][1] == v[1])
			return 1;
	return 0;
}

static void
tables_of(const struct sdc_qnode *n, unsigned char *seen, unsigned char *tab)
{
	size_t i;

	if (seen[n->id])
		return;
	seen[n->id] = 1;
	if (n->kind == SDC_Q_TABLE)
		tab[n->table] = 1;
	for (i = 0; i < n->n; i++)
		tables_of(n->kid[i], seen, tab);
}

static int
setup(struct dum_meas *m, struct sdc_err *err)
{
	const struct sdc_query *q = m->q;
	size_t nm = q->nmeasures, nt = q->ntables, i, j, nv = 0, niv = 0;
	struct sdc_qnode *pop = NULL;
	unsigned char *seen;

	for (i = 0; i < nm; i++) {
		nv += 1 + q->measures[i].ngroups;
		niv += q->measures[i].nintervals;
	}
	m->capnode = q->nnodes + 3 * nm + 1;
	if ((m->node = calloc(m->capnode, sizeof(*m->node))) == NULL ||
	    (m->memo = calloc(q->nnodes + 1, sizeof(*m->memo))) == NULL ||
	    (m->vars = calloc(nv + 1, sizeof(*m->vars))) == NULL ||
	    (m->ivl = calloc(niv + 1, sizeof(*m->ivl))) == NULL ||
	    (m->dtab = calloc(nm * nt + 1, 1)) == NULL ||
	    (m->dany = calloc(nm + 1, 1)) == NULL ||
	    (m->in = calloc(nm + 1, 1)) == NULL)
		return sdc_err_nomem(err);
	m->first = INT32_MAX;
	m->last = INT32_MIN;
	for (i = 0; i < nm; i++)
		for (j = 0; j < q->measures[i].nintervals; j++) {
			const int32_t *v = q->measures[i].intervals[j];

			if (v[0] < m->first)
				m->first = v[0];
			if (v[1] > m->last)
				m->last = v[1];
			if (!ivl_seen(m, v)) {
				m->ivl[m->nivl][0] = v[0];
				m->ivl[m->nivl++][1] = v[1];
			}
		}
	if ((seen = calloc(q->nnodes + 1, 1)) == NULL)
		return sdc_err_nomem(err);
	for (i = 0; i < nm; i++) {
		memset(seen, 0, q->nnodes + 1);
		tables_of(q->measures[i].denominator, seen, m->dtab + i * nt);
		for (j = 0; j < nt; j++)
			m->dany[i] |= m->dtab[i * nt + j];
	}
	free(seen);
	/* the aiming query: OR of the distinct denominators */
	for (i = 0; i < nm; i++) {
		struct sdc_qnode *c, *o;

		for (j = 0; j < i; j++)
			if (q->measures[j].denominator ==
			    q->measures[i].denominator)
				break;
		if (j < i)
			continue;
		if ((c = counts(m, &q->measures[i], err)) == NULL)
			return -1;
		if (pop == NULL) {
			pop = c;
			continue;
		}
		if ((o = make(m, NULL, 2, err)) == NULL)
			return -1;
		o->kind = SDC_Q_BINARY;
		o->op = SDC_QOP_OR;
		o->type = SDC_TYPE_BOOL;
		o->level = SDC_QL_PATIENT;
		o->file = c->file;
		o->line = c->line;
		o->col = c->col;
		o->kid[0] = pop;
		o->kid[1] = c;
		pop = o;
	}
	/* numerators and groups: aimed at now and then, as variables */
	for (i = 0, nv = 0; i < nm; i++) {
		const struct sdc_qmeasure *ms = &q->measures[i];

		m->vars[nv].name = ms->name;
		if ((m->vars[nv++].node = subst(m, ms->numerator, err)) == NULL)
			return -1;
		for (j = 0; j < ms->ngroups; j++) {
			m->vars[nv].name = ms->groups[j].name;
			if ((m->vars[nv++].node = subst(m, ms->groups[j].node,
			    err)) == NULL)
				return -1;
		}
	}
	m->aq = *q;
	m->aq.population = pop;
	m->aq.nvars = nv;
	m->aq.vars = m->vars;
	m->aq.nnodes = q->nnodes + m->nnode;
	return 0;
}

struct dum_meas *
dum_meas_new(const struct sdc_query *q, struct sdc_err *err)
{
	struct dum_meas *m;

	if (!q->measures_mode || q->nmeasures == 0) {
		sdc_err_set(err, SDC_EUSAGE, NULL, 0, 0, "not a measures "
		    "definition");
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		sdc_err_nomem(err);
		return NULL;
	}
	m->q = q;
	if (setup(m, err) != 0) {
		dum_meas_free(m);
		return NULL;
	}
	return m;
}

void
dum_meas_free(struct dum_meas *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; m->node != NULL && i < m->nnode; i++)
		free(m->node[i].kid);
	free(m->node);
	free(m->memo);
	free(m->vars);
	free(m->ivl);
	free(m->dtab);
	free(m->dany);
	free(m->in);
	free(m);
}

const struct sdc_query *
dum_meas_aimq(const struct dum_meas *m)
{
	return &m->aq;
}

/* Does measure ms count the patient in the current interval? */
static int
counted(struct eng_eval *x, const struct sdc_qmeasure *ms, int *yes)
{
	struct sdc_qval v;

	if (eng_eval_value(x, ms->denominator, &v) != 0)
		return -1;
	*yes = !v.null && (ms->denominator->type == SDC_TYPE_BOOL ?
	    v.u.b != 0 : v.u.i > 0);
	return 0;
}

/* Engine callback: the same rule as measures.c's count(). */
static int
patient(void *ctx, struct eng_eval *x, int64_t pid,
    const struct eng_view *view, struct sdc_err *err)
{
	struct dum_meas *m = ctx;
	const struct sdc_query *q = m->q;
	uint64_t i = (uint64_t)pid - 1 - m->pfirst;
	size_t nt = q->ntables, k, j, t;
	int any = 0, yes;

	if (pid < 1 || i >= m->pn)
		return sdc_err_set(err, SDC_EDATA, NULL, 0, 0,
		    "internal error: patient %lld not generated",
		    (long long)pid);
	if (eng_eval_begin(x, pid, err) != 0)
		return -1;
	for (j = 0; j < q->nmeasures; j++) {
		m->in[j] = !m->dany[j];
		for (t = 0; t < nt && !m->in[j]; t++)
			m->in[j] = m->dtab[j * nt + t] && view[t].n > 0;
		any |= m->in[j];
	}
	for (k = 0; k < m->nivl && any; k++) {
		eng_eval_interval(x, m->ivl[k][0], m->ivl[k][1]);
		for (j = 0; j < q->nmeasures; j++) {
			const struct sdc_qmeasure *ms = &q->measures[j];
			size_t a;

			if (!m->in[j])
				continue;
			for (a = 0; a < ms->nintervals; a++)
				if (ms->intervals[a][0] == m->ivl[k][0] &&
				    ms->intervals[a][1] == m->ivl[k][1])
					break;
			if (a == ms->nintervals)
				continue;
			if (counted(x, ms, &yes) != 0)
				return -1;
			if (yes) {
				m->pass[i] = 1;
				return 0;
			}
		}
	}
	return 0;
}

int
dum_meas_pass(struct dum_meas *m, const struct sdc_engine_opts *eo,
    uint64_t first, size_t n, unsigned char *pass, struct sdc_err *err)
{
	m->pfirst = first;
	m->pn = n;
	m->pass = pass;
	return eng_run(m->q, eo, patient, m, err);
}

void
dum_meas_where(const struct sdc_query *q, const char **file, unsigned *line,
    unsigned *col)
{
	*file = NULL;
	*line = *col = 0;
	if (q->population != NULL) {
		*file = q->population->file;
		*line = q->population->line;
		*col = q->population->col;
	} else if (q->nmeasures > 0) {
		*file = q->measures[0].file;
		*line = q->measures[0].line;
		*col = q->measures[0].col;
	}
}

/* Remove the tables sdc_dummy_generate wrote to dir, and dir. */
static void
remove_tables(const struct sdc_query *q, const char *dir)
{
	size_t t, need = strlen(dir) + 8;
	char *p;

	for (t = 0; t < q->ntables; t++) {
		const char *name = q->tables[t].schema->name;

		if ((p = malloc(need + strlen(name))) == NULL)
			continue;
		sprintf(p, "%s/%s.csv", dir, name);
		(void)unlink(p);
		free(p);
	}
	(void)rmdir(dir);
}

int
dum_meas_generate(const struct sdc_query *q, const struct sdc_dummy_opts *o,
    struct sdc_dummy_stats *st, struct sdc_err *err)
{
	struct sdc_dummy_opts inner = *o;
	struct sdc_engine_opts eo;
	struct sdc_measures *r = NULL;
	char *tmp = NULL;
	int rc = -1;

	inner.dataset = NULL;
	if (o->tables_dir == NULL) {
		if ((tmp = malloc(strlen(o->tmpdir) + 32)) == NULL)
			return sdc_err_nomem(err);
		sprintf(tmp, "%s/sdc-dummy-m.XXXXXX", o->tmpdir);
		if (mkdtemp(tmp) == NULL) {
			sdc_err_set(err, SDC_EIO, o->tmpdir, 0, 0, "cannot make "
			    "a temporary directory: %s", strerror(errno));
			free(tmp);
			return -1;
		}
		inner.tables_dir = tmp;
	}
	if (sdc_dummy_generate(q, &inner, st, err) != 0)
		goto out;
	memset(&eo, 0, sizeof(eo));
	eo.tables_dir = inner.tables_dir;
	if ((r = sdc_measures_run(q, &eo, err)) == NULL ||
	    sdc_measures_disclose(r, q->disclosure_control ?
	    SDC_MEASURES_DC_EHRQL : SDC_MEASURES_DC_OFF, NULL, err) != 0 ||
	    sdc_measures_write_csv(r, SDC_MEASURES_ALL, o->dataset, err) != 0)
		goto out;
	rc = 0;
out:
	sdc_measures_free(r);
	if (tmp != NULL) {
		remove_tables(q, tmp);
		free(tmp);
	}
	return rc;
}
