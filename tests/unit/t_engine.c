/*
 * t_engine.c - the evaluation engine (engine.h) over hand-built query
 * graphs (query.h) and small tables written to a temporary directory:
 * every node kind and operation, NULLs and three-valued logic, sorts
 * with ties, aggregations, the population rule, and the table reader's
 * checks (sorting, values, duplicates, missing files and columns).
 * Many cases are ehrQL's spec cases (tests/data/spec).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "libsdc/date.h"
#include "libsdc/engine.h"
#include "libsdc/output.h"
#include "libsdc/query.h"
#include "libsdc/schema.h"
#include "libsdc/xsort.h"
#include "tests/unit/tap.h"

static struct sdc_query *q;
static struct sdc_err err;
static const struct sdc_schema_table *TP, *TE;
static long ip, ie;
static char dir[256], tmpd[300];
static int sort_opt;

/* ---- tables ---- */

static void
wr(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void
rm(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.csv.gz", dir, name);
	unlink(path);
}

static void
tables(const char *p, const char *e)
{
	rm("patient_level_table");
	rm("event_level_table");
	wr("patient_level_table", p ? p : "patient_id\n");
	wr("event_level_table", e ? e : "patient_id\n");
}

/* ---- graph building ---- */

static void
begin(void)
{
	sdc_query_free(q);
	q = sdc_query_new(&err);
	ip = sdc_query_table(q, TP, &err);
	ie = sdc_query_table(q, TE, &err);
}

static struct sdc_qnode *
node(enum sdc_qkind k, size_t n)
{
	struct sdc_qnode *nd = sdc_query_node(q, k, n, &err);

	if (nd == NULL) {
		printf("Bail out! sdc_query_node: %s\n", err.msg);
		exit(1);
	}
	nd->line = 7;
	nd->col = (unsigned)q->nnodes;
	return nd;
}

/* Set where a node is in the definition. */
static struct sdc_qnode *
pos(struct sdc_qnode *nd, unsigned line, unsigned c)
{
	nd->line = line;
	nd->col = c;
	return nd;
}

static struct sdc_qnode *
tab(long t)
{
	struct sdc_qnode *nd = node(SDC_Q_TABLE, 0);

	nd->table = (size_t)t;
	nd->level = q->tables[t].schema->patient_level ? SDC_QL_PATIENT :
	    SDC_QL_EVENT;
	return nd;
}

#define P tab(ip)
#define E tab(ie)

static size_t
table_of(const struct sdc_qnode *f)
{
	while (f->kind != SDC_Q_TABLE)
		f = f->kid[0];
	return f->table;
}

static struct sdc_qnode *
col(struct sdc_qnode *f, const char *name)
{
	struct sdc_qnode *nd = node(SDC_Q_COLUMN, 1);
	size_t t = table_of(f);
	const struct sdc_schema_table *st = q->tables[t].schema;
	long c = sdc_schema_column_index(st, name);

	if (c < 0) {
		printf("Bail out! no column %s\n", name);
		exit(1);
	}
	nd->kid[0] = f;
	nd->column = c;
	nd->type = st->columns[c].type;
	nd->system = st->columns[c].system;
	nd->level = f->level;
	nd->table = t;
	q->tables[t].used |= (uint64_t)1 << c;
	if (f->kind == SDC_Q_PICK)
		f->kid[0]->picked |= (uint64_t)1 << c;
	return nd;
}

static void
levels(struct sdc_qnode *nd)
{
	size_t i;

	nd->level = SDC_QL_PATIENT;
	for (i = 0; i < nd->n; i++)
		if (nd->kid[i]->level == SDC_QL_EVENT) {
			nd->level = SDC_QL_EVENT;
			nd->table = nd->kid[i]->table;
		}
}

static struct sdc_qnode *
lit(enum sdc_schema_type t, struct sdc_qval v)
{
	struct sdc_qnode *nd = node(SDC_Q_VALUE, 0);

	nd->type = t;
	nd->val = v;
	return nd;
}

static struct sdc_qval
vi(int64_t i)
{
	struct sdc_qval v = { 0, { 0 } };

	v.u.i = i;
	return v;
}

static struct sdc_qval
vf(double f)
{
	struct sdc_qval v = { 0, { 0 } };

	v.u.f = f;
	return v;
}

static struct sdc_qval
vd(const char *s)
{
	struct sdc_qval v = { 0, { 0 } };

	if (sdc_date_parse(s, strlen(s), &v.u.d) != 0) {
		printf("Bail out! bad date %s\n", s);
		exit(1);
	}
	return v;
}

static struct sdc_qval
vs(const char *s)
{
	struct sdc_qval v = { 0, { 0 } };

	v.u.s.p = s;
	v.u.s.len = strlen(s);
	return v;
}

static struct sdc_qval
vnull(void)
{
	struct sdc_qval v = { 1, { 0 } };

	return v;
}

static struct sdc_qnode *
I(int64_t i)
{
	return lit(SDC_TYPE_INT, vi(i));
}

static struct sdc_qnode *
F(double f)
{
	return lit(SDC_TYPE_FLOAT, vf(f));
}

static struct sdc_qnode *
D(const char *s)
{
	return lit(SDC_TYPE_DATE, vd(s));
}

static struct sdc_qnode *
S(const char *s)
{
	return lit(SDC_TYPE_STR, vs(s));
}

static struct sdc_qnode *
B(int b)
{
	struct sdc_qval v = { 0, { 0 } };

	v.u.b = b;
	return lit(SDC_TYPE_BOOL, v);
}

static struct sdc_qnode *
NUL(enum sdc_schema_type t)
{
	return lit(t, vnull());
}

static struct sdc_qnode *
op1(enum sdc_qop op, struct sdc_qnode *a, enum sdc_schema_type t)
{
	struct sdc_qnode *nd = node(SDC_Q_UNARY, 1);

	nd->op = op;
	nd->kid[0] = a;
	nd->type = t;
	levels(nd);
	return nd;
}

static struct sdc_qnode *
op2(enum sdc_qop op, struct sdc_qnode *a, struct sdc_qnode *b,
    enum sdc_schema_type t)
{
	struct sdc_qnode *nd = node(SDC_Q_BINARY, 2);

	nd->op = op;
	nd->kid[0] = a;
	nd->kid[1] = b;
	nd->type = t;
	levels(nd);
	return nd;
}

#define BOOL_OP(op, a, b) op2(op, a, b, SDC_TYPE_BOOL)

static struct sdc_qnode *
frame2(enum sdc_qkind k, struct sdc_qnode *f, struct sdc_qnode *c)
{
	struct sdc_qnode *nd = node(k, 2);

	nd->kid[0] = f;
	nd->kid[1] = c;
	nd->level = f->level;
	nd->table = f->table;
	return nd;
}

#define WHERE(f, c) frame2(SDC_Q_WHERE, f, c)
#define EXCEPT(f, c) frame2(SDC_Q_EXCEPT, f, c)
#define SORT(f, k) frame2(SDC_Q_SORT, f, k)

static struct sdc_qnode *
pick(enum sdc_qop op, struct sdc_qnode *f)
{
	struct sdc_qnode *nd = node(SDC_Q_PICK, 1);

	nd->op = op;
	nd->kid[0] = f;
	nd->level = SDC_QL_PATIENT;
	nd->table = f->table;
	return nd;
}

static struct sdc_qnode *
agg(enum sdc_qop op, struct sdc_qnode *s, enum sdc_schema_type t)
{
	struct sdc_qnode *nd = node(SDC_Q_AGG, 1);

	nd->op = op;
	nd->kid[0] = s;
	nd->type = t;
	nd->level = SDC_QL_PATIENT;
	return nd;
}

static struct sdc_qnode *
in_set(struct sdc_qnode *s, const struct sdc_qval *vals, size_t n)
{
	struct sdc_qnode *nd = node(SDC_Q_IN, 1);
	struct sdc_qval *copy = sdc_query_alloc(q, (n + 1) * sizeof(*copy),
	    &err);

	memcpy(copy, vals, n * sizeof(*copy));
	nd->kid[0] = s;
	nd->vals = copy;
	nd->nvals = n;
	nd->type = SDC_TYPE_BOOL;
	levels(nd);
	return nd;
}

static struct sdc_qnode *
nary(enum sdc_qkind k, enum sdc_qop op, enum sdc_schema_type t, size_t n,
    struct sdc_qnode **kids)
{
	struct sdc_qnode *nd = node(k, n);
	size_t i;

	nd->op = op;
	nd->type = t;
	for (i = 0; i < n; i++)
		nd->kid[i] = kids[i];
	levels(nd);
	return nd;
}

/* ---- running ---- */

static char res[65536];
static size_t reslen;

static int
collect(void *ctx, int64_t pid, const struct sdc_qval *vals,
    struct sdc_err *e)
{
	size_t i;

	(void)ctx;
	(void)e;
	reslen += (size_t)snprintf(res + reslen, sizeof(res) - reslen, "%s%lld=",
	    reslen ? " " : "", (long long)pid);
	for (i = 0; i < q->nvars; i++) {
		char buf[SDC_QVAL_FMT_MAX + 1];
		const char *p;
		size_t n;

		if (i > 0)
			reslen += (size_t)snprintf(res + reslen,
			    sizeof(res) - reslen, "|");
		if (vals[i].null)
			continue;
		n = sdc_qval_format(q->vars[i].node->type, &vals[i], buf, &p);
		reslen += (size_t)snprintf(res + reslen, sizeof(res) - reslen,
		    "%.*s", (int)n, p);
	}
	return 0;
}

static void
set_vars(size_t n, struct sdc_qnode **v)
{
	size_t i;

	q->vars = sdc_query_alloc(q, n * sizeof(*q->vars), &err);
	q->nvars = n;
	for (i = 0; i < n; i++) {
		q->vars[i].name = i == 0 ? "v" : i == 1 ? "w" : "x";
		q->vars[i].node = v[i];
	}
}

/* Population as ehrQL's spec tests: a row in p or e. */
static void
default_population(void)
{
	q->population = BOOL_OP(SDC_QOP_OR,
	    agg(SDC_QOP_AGG_EXISTS, P, SDC_TYPE_BOOL),
	    agg(SDC_QOP_AGG_EXISTS, E, SDC_TYPE_BOOL));
	q->tables[ip].mentioned_by_population = 1;
	q->tables[ie].mentioned_by_population = 1;
}

static const char *
go(void)
{
	struct sdc_engine_opts o;
	char buf[1024];

	memset(&o, 0, sizeof(o));
	o.tables_dir = dir;
	o.sort = sort_opt;
	o.tmpdir = tmpd;
	reslen = 0;
	res[0] = '\0';
	sdc_err_clear(&err);
	if (sdc_engine_run(q, &o, collect, NULL, &err) != 0) {
		if (err.file[0] == '\0' && err.line > 0)
			snprintf(res, sizeof(res), "ERR %llu:%llu: %s",
			    err.line, err.column, err.msg);
		else
			snprintf(res, sizeof(res), "ERR %s",
			    sdc_err_format(&err, buf, sizeof(buf)));
	}
	return res;
}

/* Run one variable over the default population. */
static const char *
run1(struct sdc_qnode *v)
{
	if (q->population == NULL)
		default_population();
	set_vars(1, &v);
	return go();
}

#define CHECK(v, want, name) do { \
	const char *got_ = run1(v); \
	is_str(got_, want, "%s", name); \
} while (0)

/* ---- cases ---- */

static void
t_columns(void)
{
	tables("patient_id,i1,zz,i2\n1,101,x,\n2,201,y,5\n3,,z,6\n", NULL);
	begin();
	CHECK(col(P, "i1"), "1=101 2=201 3=", "patient column, NULL, extra column ignored");
	begin();
	CHECK(col(P, "s1"), "1= 2= 3=", "missing column is NULL");
	begin();
	CHECK(op2(SDC_QOP_ADD, col(P, "i1"), col(P, "i2"), SDC_TYPE_INT),
	    "1= 2=206 3=", "int add with NULL");
	tables("patient_id,i1,i2\n1,9223372036854775807,1\n", NULL);
	begin();
	CHECK(pos(op2(SDC_QOP_ADD, col(P, "i1"), col(P, "i2"), SDC_TYPE_INT), 12, 34),
	    "ERR 12:34: integer overflow (patient_id 1)", "int overflow is an error at line:col");
	tables("patient_id,i1\n1,-9223372036854775808\n", NULL);
	begin();
	CHECK(pos(op1(SDC_QOP_NEG, col(P, "i1"), SDC_TYPE_INT), 3, 9),
	    "ERR 3:9: integer overflow (patient_id 1)", "negating INT64_MIN is an error");
}

static void
t_logic(void)
{
	const char *pt = "patient_id,b1,b2\n"
	    "1,T,T\n2,T,\n3,T,F\n4,,T\n5,,\n6,,F\n7,F,T\n8,F,\n9,F,F\n";

	tables(pt, NULL);
	begin();
	CHECK(BOOL_OP(SDC_QOP_AND, col(P, "b1"), col(P, "b2")),
	    "1=T 2= 3=F 4= 5= 6=F 7=F 8=F 9=F", "AND three-valued");
	begin();
	CHECK(BOOL_OP(SDC_QOP_OR, col(P, "b1"), col(P, "b2")),
	    "1=T 2=T 3=T 4=T 5= 6= 7=T 8= 9=F", "OR three-valued");
	begin();
	CHECK(op1(SDC_QOP_NOT, col(P, "b2"), SDC_TYPE_BOOL),
	    "1=F 2= 3=T 4=F 5= 6=T 7=F 8= 9=T", "NOT keeps NULL");
	begin();
	CHECK(op1(SDC_QOP_IS_NULL, col(P, "b1"), SDC_TYPE_BOOL),
	    "1=F 2=F 3=F 4=T 5=T 6=T 7=F 8=F 9=F", "is_null never NULL");
	begin();
	CHECK(op1(SDC_QOP_IS_NOT_NULL, col(P, "b2"), SDC_TYPE_BOOL),
	    "1=T 2=F 3=T 4=T 5=F 6=T 7=T 8=F 9=T", "is_not_null");
	begin();
	CHECK(op1(SDC_QOP_AS_INT, col(P, "b1"), SDC_TYPE_INT),
	    "1=1 2=1 3=1 4= 5= 6= 7=0 8=0 9=0", "bool as_int");
	begin();
	CHECK(BOOL_OP(SDC_QOP_EQ, col(P, "b1"), col(P, "b2")),
	    "1=T 2= 3=F 4= 5= 6= 7=F 8= 9=T", "bool ==");
}

static void
t_arith(void)
{
	tables("patient_id,i1,i2,f1,f2\n"
	    "1,7,2,7.5,2.0\n2,-7,2,-7.5,-2.0\n3,7,0,1.0,0.0\n4,,3,,1.5\n", NULL);
	begin();
	CHECK(op2(SDC_QOP_DIV, col(P, "i1"), col(P, "i2"), SDC_TYPE_FLOAT),
	    "1=3.5 2=-3.5 3= 4=", "int / is float, / 0 is NULL");
	begin();
	CHECK(op2(SDC_QOP_FLOORDIV, col(P, "i1"), col(P, "i2"), SDC_TYPE_INT),
	    "1=3 2=-4 3= 4=", "int // floors, // 0 is NULL");
	begin();
	CHECK(op2(SDC_QOP_FLOORDIV, col(P, "f1"), col(P, "f2"), SDC_TYPE_INT),
	    "1=3 2=3 3= 4=", "float // is int");
	begin();
	CHECK(op2(SDC_QOP_MUL, col(P, "f1"), col(P, "i2"), SDC_TYPE_FLOAT),
	    "1=15.0 2=-15.0 3=0.0 4=", "float * int");
	begin();
	CHECK(op2(SDC_QOP_SUB, col(P, "i1"), I(10), SDC_TYPE_INT),
	    "1=-3 2=-17 3=-3 4=", "int - literal");
	begin();
	CHECK(op2(SDC_QOP_POW, col(P, "i1"), col(P, "i2"), SDC_TYPE_FLOAT),
	    "1=49.0 2=49.0 3=1.0 4=", "power");
	begin();
	CHECK(op2(SDC_QOP_POW, I(0), I(-1), SDC_TYPE_FLOAT),
	    "1= 2= 3= 4=", "0 ** -1 is NULL");
	begin();
	CHECK(op2(SDC_QOP_POW, F(-8.0), F(1.0 / 3), SDC_TYPE_FLOAT),
	    "1= 2= 3= 4=", "negative ** fraction is NULL");
	begin();
	CHECK(op1(SDC_QOP_AS_INT, op1(SDC_QOP_NEG, col(P, "f1"), SDC_TYPE_FLOAT),
	    SDC_TYPE_INT), "1=-7 2=7 3=-1 4=", "as_int truncates toward zero");
	begin();
	CHECK(op1(SDC_QOP_ABS, col(P, "i1"), SDC_TYPE_INT), "1=7 2=7 3=7 4=",
	    "abs");
	begin();
	CHECK(op1(SDC_QOP_AS_FLOAT, col(P, "i1"), SDC_TYPE_FLOAT),
	    "1=7.0 2=-7.0 3=7.0 4=", "as_float");
	begin();
	CHECK(pos(op1(SDC_QOP_AS_INT, op2(SDC_QOP_MUL, F(1e308), F(10.0),
	    SDC_TYPE_FLOAT), SDC_TYPE_INT), 4, 1),
	    "ERR 4:1: cannot convert a non-finite float to an integer (patient_id 1)",
	    "as_int of inf is an error");
	begin();
	CHECK(BOOL_OP(SDC_QOP_LT, col(P, "i1"), col(P, "f1")),
	    "1=T 2=F 3=F 4=", "int < float compares numerically");
}

static void
t_dates(void)
{
	tables("patient_id,d1,d2\n1,2021-01-31,2020-02-29\n2,2020-02-29,2021-02-28\n"
	    "3,,2000-01-01\n4,9999-11-01,0001-01-01\n", NULL);
	begin();
	CHECK(op2(SDC_QOP_ADD_MONTHS, col(P, "d1"), I(1), SDC_TYPE_DATE),
	    "1=2021-03-01 2=2020-03-29 3= 4=9999-12-01", "add months rolls forward");
	begin();
	CHECK(op2(SDC_QOP_ADD_YEARS, col(P, "d2"), I(1), SDC_TYPE_DATE),
	    "1=2021-03-01 2=2022-02-28 3=2001-01-01 4=0002-01-01", "add years");
	begin();
	CHECK(op2(SDC_QOP_DIFF_YEARS, col(P, "d2"), col(P, "d1"), SDC_TYPE_INT),
	    "1=-1 2=0 3= 4=-9999", "date difference in years");
	begin();
	CHECK(op2(SDC_QOP_DIFF_DAYS, col(P, "d1"), col(P, "d2"), SDC_TYPE_INT),
	    "1=337 2=-365 3= 4=3651998", "date difference in days");
	begin();
	CHECK(op1(SDC_QOP_YEAR, col(P, "d1"), SDC_TYPE_INT),
	    "1=2021 2=2020 3= 4=9999", "year");
	begin();
	CHECK(op1(SDC_QOP_MONTH, col(P, "d2"), SDC_TYPE_INT),
	    "1=2 2=2 3=1 4=1", "month");
	begin();
	CHECK(op1(SDC_QOP_DAY, col(P, "d1"), SDC_TYPE_INT),
	    "1=31 2=29 3= 4=1", "day");
	begin();
	CHECK(op1(SDC_QOP_FIRST_OF_MONTH, col(P, "d1"), SDC_TYPE_DATE),
	    "1=2021-01-01 2=2020-02-01 3= 4=9999-11-01", "first of month");
	begin();
	CHECK(op1(SDC_QOP_FIRST_OF_YEAR, col(P, "d2"), SDC_TYPE_DATE),
	    "1=2020-01-01 2=2021-01-01 3=2000-01-01 4=0001-01-01", "first of year");
	begin();
	CHECK(BOOL_OP(SDC_QOP_GE, col(P, "d1"), D("2020-06-01")),
	    "1=T 2=F 3= 4=T", "date comparison");
	begin();
	CHECK(pos(op2(SDC_QOP_ADD_DAYS, col(P, "d1"), I(61), SDC_TYPE_DATE), 5, 6),
	    "ERR 5:6: date out of range (0001-01-01 to 9999-12-31) (patient_id 4)",
	    "date out of range is an error");
}

static void
t_filter(void)
{
	const char *et = "patient_id,i1,b1\n"
	    "1,101,T\n1,102,\n1,103,F\n2,201,T\n2,202,T\n3,301,\n";

	tables("patient_id\n4\n", et);
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, WHERE(E, col(E, "b1")), SDC_TYPE_INT),
	    "1=1 2=2 3=0 4=0", "where drops NULL conditions");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, EXCEPT(E, col(E, "b1")), SDC_TYPE_INT),
	    "1=2 2=0 3=1 4=0", "except_where keeps NULL conditions");
	begin();
	CHECK(agg(SDC_QOP_AGG_EXISTS, WHERE(E, BOOL_OP(SDC_QOP_GT, col(E, "i1"),
	    I(200))), SDC_TYPE_BOOL), "1=F 2=T 3=T 4=F", "exists never NULL");
	begin();
	CHECK(agg(SDC_QOP_AGG_SUM, col(WHERE(E, col(E, "b1")), "i1"),
	    SDC_TYPE_INT), "1=101 2=403 3= 4=", "sum over a filtered frame");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, WHERE(E, B(1)), SDC_TYPE_INT),
	    "1=3 2=2 3=1 4=0", "where with a literal TRUE");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, WHERE(E, NUL(SDC_TYPE_BOOL)), SDC_TYPE_INT),
	    "1=0 2=0 3=0 4=0", "where with a literal NULL");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, P, SDC_TYPE_INT), "1=0 2=0 3=0 4=1",
	    "count of a patient table frame");
	begin();
	/* an event series combined with one of a filtered frame: defined on
	 * the rows of both */
	CHECK(agg(SDC_QOP_AGG_SUM, op2(SDC_QOP_ADD, col(WHERE(E, col(E, "b1")),
	    "i1"), col(E, "i1"), SDC_TYPE_INT), SDC_TYPE_INT),
	    "1=202 2=806 3= 4=", "element-wise over the rows of both");
	tables("patient_id\n1\n2\n3\n4\n", et);
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, WHERE(E, BOOL_OP(SDC_QOP_GT, col(E, "i1"),
	    op2(SDC_QOP_MUL, col(P, "patient_id"), I(100), SDC_TYPE_INT))),
	    SDC_TYPE_INT), "1=3 2=2 3=1 4=0", "patient-level series broadcast");
}

static void
t_sort(void)
{
	struct sdc_qnode *s;

	tables(NULL, "patient_id,i1,i2,i3\n1,100,2,101\n1,100,1,102\n"
	    "1,100,1,103\n2,100,0,500\n2,100,1,1\n2,101,0,1\n");
	begin();
	/* e.sort_by(e.i1, e.i2) == SORT(SORT(e, i2), i1) */
	s = SORT(SORT(E, col(E, "i2")), col(E, "i1"));
	CHECK(col(pick(SDC_QOP_FIRST, s), "i3"), "1=102 2=500",
	    "sort extends to the picked column");
	begin();
	s = SORT(SORT(E, col(E, "i2")), col(E, "i1"));
	CHECK(col(pick(SDC_QOP_LAST, s), "i3"), "1=101 2=1",
	    "last of a multi-key sort");

	tables(NULL, "patient_id,i1\n1,\n1,102\n1,103\n2,203\n2,202\n2,\n");
	begin();
	CHECK(col(pick(SDC_QOP_FIRST, SORT(E, col(E, "i1"))), "i1"), "1= 2=",
	    "NULL sorts first");
	begin();
	CHECK(col(pick(SDC_QOP_LAST, SORT(E, col(E, "i1"))), "i1"), "1=103 2=203",
	    "last with NULLs");

	tables(NULL, "patient_id,i1,i2\n1,101,1\n1,102,2\n1,103,2\n"
	    "2,203,1\n2,202,2\n2,201,2\n");
	begin();
	CHECK(col(pick(SDC_QOP_FIRST, WHERE(SORT(E, col(E, "i1")),
	    BOOL_OP(SDC_QOP_GT, col(E, "i1"), I(102)))), "i1"), "1=103 2=201",
	    "sort then where");
	begin();
	s = SORT(WHERE(SORT(E, col(E, "i1")), BOOL_OP(SDC_QOP_GT, col(E, "i2"),
	    I(1))), col(E, "i2"));
	CHECK(col(pick(SDC_QOP_FIRST, s), "i1"), "1=102 2=201",
	    "sort interleaved with where: outer sort is primary");

	/* ties broken by all picked columns, alphabetically, NULL first */
	tables(NULL, "patient_id,i1,i2,s1\n1,1,5,b\n1,1,5,a\n1,1,4,z\n1,0,9,q\n"
	    "2,1,,x\n2,1,3,a\n");
	begin();
	s = SORT(E, col(E, "i1"));
	{
		struct sdc_qnode *pf = pick(SDC_QOP_LAST, s);
		struct sdc_qnode *v[3];

		v[0] = col(pf, "s1");
		v[1] = col(pf, "i2");
		v[2] = col(pick(SDC_QOP_FIRST, s), "s1");
		default_population();
		set_vars(3, v);
		is_str(go(), "1=b|5|q 2=a|3|x",
		    "tie-break by picked columns i2 then s1 (pooled), NULL first");
	}
	begin();
	s = SORT(SORT(E, I(0)), col(P, "i1"));
	CHECK(col(pick(SDC_QOP_FIRST, s), "s1"), "1=a 2=a",
	    "sort by constants and patient series");
}

static void
t_aggregates(void)
{
	struct sdc_qnode *v[3];

	tables("patient_id\n5\n", "patient_id,i1,f1,s1\n"
	    "1,1,0.1,b\n1,2,0.1,a\n1,,0.1,b\n1,3,0.1,\n1,1,0.1,c\n"
	    "1,1,0.1,a\n1,1,0.1,a\n1,1,0.1,a\n1,1,0.1,a\n1,1,0.1,a\n"
	    "2,,,\n3,5,1e100,x\n3,-5,1.0,x\n3,1,-1e100,y\n");
	begin();
	CHECK(agg(SDC_QOP_AGG_SUM, col(E, "f1"), SDC_TYPE_FLOAT),
	    "1=1.0 2= 3=1.0 5=", "float sum is compensated ([0.1]*10 == 1.0)");
	begin();
	CHECK(agg(SDC_QOP_AGG_MEAN, col(E, "f1"), SDC_TYPE_FLOAT),
	    "1=0.1 2= 3=0.3333333333333333 5=", "mean of exact sum");
	begin();
	CHECK(agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT),
	    "1=12 2= 3=1 5=", "int sum, NULL when no values");
	begin();
	CHECK(agg(SDC_QOP_AGG_MEAN, col(E, "i1"), SDC_TYPE_FLOAT),
	    "1=1.3333333333333333 2= 3=0.3333333333333333 5=", "int mean");
	begin();
	v[0] = agg(SDC_QOP_AGG_MIN, col(E, "i1"), SDC_TYPE_INT);
	v[1] = agg(SDC_QOP_AGG_MAX, col(E, "s1"), SDC_TYPE_STR);
	v[2] = agg(SDC_QOP_AGG_MIN, col(E, "s1"), SDC_TYPE_STR);
	default_population();
	set_vars(3, v);
	is_str(go(), "1=1|c|a 2=|| 3=-5|y|x 5=||", "min and max ignore NULLs");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT_DISTINCT, col(E, "s1"), SDC_TYPE_INT),
	    "1=3 2=0 3=2 5=0", "count_distinct ignores NULLs");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT_DISTINCT, col(E, "i1"), SDC_TYPE_INT),
	    "1=3 2=0 3=3 5=0", "count_distinct of ints");
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, E, SDC_TYPE_INT), "1=10 2=1 3=3 5=0",
	    "count of an event frame");

	tables(NULL, "patient_id,i1\n1,9223372036854775807\n1,1\n");
	begin();
	CHECK(pos(agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT), 8, 2),
	    "ERR 8:2: integer overflow in sum (patient_id 1)", "int sum overflow");

	tables(NULL, "patient_id,d1\n1,2020-01-01\n1,2020-01-04\n1,2020-01-06\n"
	    "1,2020-01-10\n1,2020-01-12\n2,2020-01-01\n3,\n4,2020-01-10\n4,\n4,\n"
	    "4,2020-01-01\n");
	begin();
	{
		struct sdc_qnode *c = node(SDC_Q_AGG, 2);

		c->op = SDC_QOP_AGG_COUNT_EPISODES;
		c->kid[0] = col(E, "d1");
		c->kid[1] = I(3);
		c->type = SDC_TYPE_INT;
		CHECK(c, "1=2 2=1 3=0 4=2", "count_episodes");
	}
	begin();
	CHECK(agg(SDC_QOP_AGG_MIN, col(E, "d1"), SDC_TYPE_DATE),
	    "1=2020-01-01 2=2020-01-01 3= 4=2020-01-01", "min date");
	begin();
	CHECK(agg(SDC_QOP_AGG_MAX, col(E, "d1"), SDC_TYPE_DATE),
	    "1=2020-01-12 2=2020-01-01 3= 4=2020-01-10", "max date");
}

static void
t_sets(void)
{
	struct sdc_qval set[2], *big;
	struct sdc_qnode *k[5];
	char (*codes)[16];
	size_t i;

	tables("patient_id,i1\n1,101\n2,201\n3,301\n4,\n5,501\n6,\n",
	    "patient_id,i1\n1,101\n2,201\n2,203\n2,301\n3,333\n3,334\n4,\n4,401\n"
	    "5,\n5,101\n");
	set[0] = vi(101);
	set[1] = vi(301);
	begin();
	CHECK(in_set(col(P, "i1"), set, 2), "1=T 2=F 3=T 4= 5=F 6=",
	    "is_in: NULL stays NULL");
	begin();
	CHECK(in_set(col(P, "i1"), set, 0), "1=F 2=F 3=F 4=F 5=F 6=F",
	    "is_in([]) is FALSE even for NULL");
	begin();
	CHECK(op1(SDC_QOP_NOT, in_set(col(P, "i1"), set, 2), SDC_TYPE_BOOL),
	    "1=F 2=T 3=F 4= 5=T 6=", "is_not_in");
	begin();
	{
		struct sdc_qnode *nd = node(SDC_Q_IN_SERIES, 2);

		nd->kid[0] = col(P, "i1");
		nd->kid[1] = col(E, "i1");
		nd->type = SDC_TYPE_BOOL;
		CHECK(nd, "1=T 2=T 3=F 4= 5=F 6=", "is_in(series) as ehrQL's spec");
	}
	begin();
	CHECK(agg(SDC_QOP_AGG_COUNT, WHERE(E, in_set(col(E, "i1"), set, 2)),
	    SDC_TYPE_INT), "1=1 2=1 3=0 4=0 5=1 6=0", "is_in on an event series");

	/* a large codelist is hashed */
	codes = malloc(5000 * sizeof(*codes));
	big = malloc(5000 * sizeof(*big));
	for (i = 0; i < 5000; i++) {
		snprintf(codes[i], sizeof(codes[i]), "%zu", 100000 + i * 7);
		big[i] = vs(codes[i]);
	}
	tables("patient_id,c1\n1,100000\n2,134993\n3,134994\n4,\n", NULL);
	begin();
	CHECK(in_set(col(P, "c1"), big, 5000), "1=T 2=T 3=F 4=",
	    "is_in over 5000 codes");
	free(big);
	free(codes);

	/* map_values with and without a default */
	tables("patient_id,i1\n1,1\n2,2\n3,3\n4,\n", NULL);
	{
		static const char *names[] = { "one", "two" };
		struct sdc_qval keys[2], vals[2];
		struct sdc_qnode *m;

		keys[0] = vi(1);
		keys[1] = vi(2);
		vals[0] = vs(names[0]);
		vals[1] = vnull();
		begin();
		m = node(SDC_Q_MAP, 1);
		m->kid[0] = col(P, "i1");
		m->vals = keys;
		m->map = vals;
		m->nvals = 2;
		m->type = SDC_TYPE_STR;
		CHECK(m, "1=one 2= 3= 4=", "map_values without default");
		begin();
		m = node(SDC_Q_MAP, 2);
		m->kid[0] = col(P, "i1");
		m->kid[1] = S("other");
		m->vals = keys;
		m->map = vals;
		m->nvals = 2;
		m->type = SDC_TYPE_STR;
		CHECK(m, "1=one 2= 3=other 4=other", "map_values with default");
	}

	/* case: NULL conditions are skipped */
	tables("patient_id,i1,b1,b2\n1,1,T,F\n2,2,,T\n3,3,F,\n4,4,,\n", NULL);
	begin();
	k[0] = col(P, "b1");
	k[1] = S("first");
	k[2] = col(P, "b2");
	k[3] = S("second");
	k[4] = S("else");
	CHECK(nary(SDC_Q_CASE, SDC_QOP_NONE, SDC_TYPE_STR, 5, k),
	    "1=first 2=second 3=else 4=else", "case with otherwise");
	begin();
	k[0] = col(P, "b1");
	k[1] = S("first");
	k[2] = col(P, "b2");
	k[3] = S("second");
	CHECK(nary(SDC_Q_CASE, SDC_QOP_NONE, SDC_TYPE_STR, 4, k),
	    "1=first 2=second 3= 4=", "case without otherwise");

	/* extremum ignores NULLs */
	tables("patient_id,i1,i2\n1,1,2\n2,5,\n3,,\n", NULL);
	begin();
	k[0] = col(P, "i1");
	k[1] = col(P, "i2");
	k[2] = I(3);
	CHECK(nary(SDC_Q_EXTREMUM, SDC_QOP_MAX, SDC_TYPE_INT, 3, k),
	    "1=3 2=5 3=3", "maximum_of ignores NULLs");
	begin();
	k[0] = col(P, "i1");
	k[1] = col(P, "i2");
	CHECK(nary(SDC_Q_EXTREMUM, SDC_QOP_MIN, SDC_TYPE_INT, 2, k),
	    "1=1 2=5 3=", "minimum_of is NULL when all are");
	begin();
	CHECK(op2(SDC_QOP_WHEN_NULL, col(P, "i2"), I(0), SDC_TYPE_INT),
	    "1=2 2=0 3=0", "when_null_then");

	/* event-level case and extremum */
	tables(NULL, "patient_id,i1,i2\n1,1,5\n1,7,\n1,,\n");
	begin();
	k[0] = col(E, "i1");
	k[1] = col(E, "i2");
	CHECK(agg(SDC_QOP_AGG_SUM, nary(SDC_Q_EXTREMUM, SDC_QOP_MAX,
	    SDC_TYPE_INT, 2, k), SDC_TYPE_INT), "1=12", "event-level maximum_of");
	begin();
	k[0] = BOOL_OP(SDC_QOP_GT, col(E, "i1"), I(3));
	k[1] = I(100);
	k[2] = I(1);
	CHECK(agg(SDC_QOP_AGG_SUM, nary(SDC_Q_CASE, SDC_QOP_NONE, SDC_TYPE_INT,
	    3, k), SDC_TYPE_INT), "1=102", "event-level case");
}

static void
t_strings(void)
{
	tables("patient_id,s1,m1\n1,\"hello, world\",\"||E119 ,J849\"\n2,abc,\n"
	    "3,,J45\n", NULL);
	begin();
	CHECK(BOOL_OP(SDC_QOP_CONTAINS, col(P, "s1"), S("lo, w")),
	    "1=T 2=F 3=", "string contains");
	begin();
	{
		struct sdc_qnode *c = node(SDC_Q_VALUE, 0);

		c->type = SDC_TYPE_CODE;
		c->system = SDC_CODE_ICD10;
		c->val = vs("J84");
		CHECK(BOOL_OP(SDC_QOP_CONTAINS, col(P, "m1"), c), "1=T 2= 3=F",
		    "multi-code string contains a prefix");
	}
	begin();
	CHECK(BOOL_OP(SDC_QOP_LT, col(P, "s1"), S("b")), "1=F 2=T 3=",
	    "strings compare bytewise");
}

static void
t_population(void)
{
	struct sdc_qnode *v;

	tables("patient_id,i1\n1,10\n2,\n4,40\n", "patient_id,i1\n1,1\n3,3\n4,4\n");
	begin();
	/* population: p.i1 is not NULL; reads p only, so patient 3 (only in
	 * e) is not considered even with a TRUE population */
	q->population = op1(SDC_QOP_IS_NOT_NULL, col(P, "i1"), SDC_TYPE_BOOL);
	q->tables[ip].mentioned_by_population = 1;
	v = agg(SDC_QOP_AGG_COUNT, E, SDC_TYPE_INT);
	set_vars(1, &v);
	is_str(go(), "1=1 4=1", "population over p only");
	begin();
	q->population = BOOL_OP(SDC_QOP_OR, op1(SDC_QOP_IS_NULL, col(P, "i1"),
	    SDC_TYPE_BOOL), agg(SDC_QOP_AGG_EXISTS, E, SDC_TYPE_BOOL));
	q->tables[ip].mentioned_by_population = 1;
	q->tables[ie].mentioned_by_population = 1;
	v = col(P, "i1");
	set_vars(1, &v);
	is_str(go(), "1=10 2= 3= 4=40",
	    "universe is the patients of the tables the population reads");
	begin();
	q->population = agg(SDC_QOP_AGG_EXISTS, E, SDC_TYPE_BOOL);
	q->tables[ie].mentioned_by_population = 1;
	v = col(P, "i1");
	set_vars(1, &v);
	is_str(go(), "1=10 3= 4=40", "a patient missing from p has NULLs");
	begin();
	q->population = NUL(SDC_TYPE_BOOL);
	q->tables[ip].mentioned_by_population = 1;
	v = col(P, "i1");
	set_vars(1, &v);
	is_str(go(), "", "a NULL population selects nobody");
}

static int
count_files(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dp);
	return n;
}

static void
t_inputs(void)
{
	char path[512];
	gzFile gz;
	const char *r;

	/* unsorted input */
	tables("patient_id,i1\n1,1\n3,3\n2,2\n", "patient_id,i1\n3,1\n3,2\n1,5\n");
	begin();
	r = run1(col(P, "i1"));
	ok(strstr(r, "patient_level_table.csv:4:") != NULL &&
	    strstr(r, "not sorted by patient_id") != NULL,
	    "unsorted table: error names table and line (%s)", r);
	sort_opt = 1;
	begin();
	{
		struct sdc_qnode *v[2];

		v[0] = col(P, "i1");
		v[1] = agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT);
		default_population();
		set_vars(2, v);
		is_str(go(), "1=1|5 2=2| 3=3|3", "--sort sorts first");
	}
	ok(count_files(tmpd) == 0, "no temporary files left behind");
	/* --sort keeps input order within a patient, and original lines */
	tables(NULL, "patient_id,i1\n2,1\n1,7\n2,3\n1,8\n2,x\n");
	begin();
	r = run1(col(pick(SDC_QOP_FIRST, SORT(E, I(0))), "i1"));
	ok(strstr(r, "event_level_table.csv:6:3:") != NULL,
	    "--sort: a bad value names the original line (%s)", r);
	tables(NULL, "patient_id,i1\n2,1\n1,7\n2,3\n1,8\n2,\n");
	begin();
	CHECK(col(pick(SDC_QOP_FIRST, SORT(E, I(0))), "i1"), "1=7 2=",
	    "--sort: first, ties broken by the picked column, NULL first");
	begin();
	CHECK(col(pick(SDC_QOP_LAST, SORT(E, I(0))), "i1"), "1=8 2=3",
	    "--sort: last");
	ok(count_files(tmpd) == 0, "no temporary files left after an error");
	sort_opt = 0;

	/* duplicate patient in a patient-level table */
	tables("patient_id,i1\n1,1\n2,2\n2,3\n", NULL);
	begin();
	r = run1(col(P, "i1"));
	ok(strstr(r, "patient_level_table.csv:4:") != NULL &&
	    strstr(r, "more than one row for patient_id 2") != NULL,
	    "duplicate patient in a patient table (%s)", r);

	/* bad values: file:line:column */
	tables("patient_id,i1,d1\n1,1,2020-01-01\n2,abc,2020-01-01\n", NULL);
	begin();
	r = run1(col(P, "i1"));
	ok(strstr(r, "patient_level_table.csv:3:3: i1: 'abc' is not an integer")
	    != NULL, "bad int (%s)", r);
	tables("patient_id,i1,d1\n1,1,2020-02-30\n", NULL);
	begin();
	r = run1(col(P, "d1"));
	ok(strstr(r, "patient_level_table.csv:2:5: d1:") != NULL,
	    "bad date (%s)", r);
	tables("patient_id,b1\n1,true\n", NULL);
	begin();
	r = run1(col(P, "b1"));
	ok(strstr(r, ":2:3: b1: 'true' is not a boolean") != NULL,
	    "bad boolean (%s)", r);
	tables("patient_id,c1\n1,0123\n", NULL);
	begin();
	r = run1(col(P, "c1"));
	ok(strstr(r, ":2:3: c1: '0123' is not a valid") != NULL,
	    "bad code (%s)", r);
	tables("patient_id,f1\n1,1.5\n,2.5\n", NULL);
	begin();
	r = run1(col(P, "f1"));
	ok(strstr(r, ":3:1: patient_id is empty") != NULL,
	    "empty patient_id (%s)", r);
	tables("i1\n1\n", NULL);
	begin();
	r = run1(col(P, "i1"));
	ok(strstr(r, "no column named 'patient_id'") != NULL,
	    "missing patient_id column (%s)", r);
	/* an unused column is not parsed */
	tables("patient_id,i1,i2\n1,1,junk\n", NULL);
	begin();
	CHECK(col(P, "i1"), "1=1", "unused columns are not checked");

	/* categorical column (core patients.sex) */
	{
		const struct sdc_schema_table *pt = sdc_schema_table("core",
		    "patients");
		long t;
		struct sdc_qnode *tn, *v;

		wr("patients", "patient_id,sex,date_of_birth\n1,female,1980-01-01\n"
		    "2,woman,1990-01-01\n");
		begin();
		t = sdc_query_table(q, pt, &err);
		tn = tab(t);
		v = col(tn, "sex");
		q->population = agg(SDC_QOP_AGG_EXISTS, tab(t), SDC_TYPE_BOOL);
		q->tables[t].mentioned_by_population = 1;
		r = run1(v);
		ok(strstr(r, "patients.csv:3:3: sex: 'woman' is not one of") !=
		    NULL, "categorical values are checked (%s)", r);
		rm("patients");
	}

	/* missing table */
	tables(NULL, NULL);
	rm("event_level_table");
	begin();
	r = run1(col(P, "i1"));
	ok(strstr(r, "event_level_table") != NULL && strncmp(r, "ERR", 3) == 0,
	    "missing table file is an error (%s)", r);

	/* gzip input */
	tables(NULL, NULL);
	rm("event_level_table");
	snprintf(path, sizeof(path), "%s/event_level_table.csv.gz", dir);
	gz = gzopen(path, "wb");
	gzputs(gz, "patient_id,i1\n1,5\n1,6\n7,1\n");
	gzclose(gz);
	begin();
	CHECK(agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT), "1=11 7=1",
	    "gzip input");
	sort_opt = 1;
	begin();
	CHECK(agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT), "1=11 7=1",
	    "gzip input with --sort");
	sort_opt = 0;
	rm("event_level_table");
}

/* Many rows, so the readers run on threads; checked against sums. */
static void
t_big(void)
{
	char path[512];
	FILE *f;
	unsigned long long st = 42;
	long long want_sum[2000], want_n[2000];
	int pid, i;
	struct sdc_qnode *v[2];
	char *exp;
	size_t el = 0;

	memset(want_sum, 0, sizeof(want_sum));
	memset(want_n, 0, sizeof(want_n));
	snprintf(path, sizeof(path), "%s/event_level_table.csv", dir);
	f = fopen(path, "w");
	fputs("patient_id,i1,s1,d1\n", f);
	for (pid = 0; pid < 2000; pid++) {
		int n = (int)(tap_rand(&st) % 80);

		for (i = 0; i < n; i++) {
			int val = (int)(tap_rand(&st) % 1000);

			fprintf(f, "%d,%d,name%d,2020-01-%02d\n", pid, val, val % 7,
			    1 + val % 28);
			want_sum[pid] += val;
			want_n[pid]++;
		}
	}
	fclose(f);
	wr("patient_level_table", "patient_id\n");
	begin();
	v[0] = agg(SDC_QOP_AGG_SUM, col(E, "i1"), SDC_TYPE_INT);
	v[1] = agg(SDC_QOP_AGG_COUNT, E, SDC_TYPE_INT);
	default_population();
	set_vars(2, v);
	go();
	exp = malloc(65536);
	exp[0] = '\0';
	for (pid = 0; pid < 2000; pid++)
		if (want_n[pid] > 0)
			el += (size_t)snprintf(exp + el, 65536 - el, "%s%d=%lld|%lld",
			    el ? " " : "", pid, want_sum[pid], want_n[pid]);
	ok(strcmp(res, exp) == 0, "threaded reader: sums and counts over %d "
	    "patients", 2000);
	free(exp);
	rm("event_level_table");
}

/* The external sort with many runs: order by key, ties in input order. */
static void
t_xsort(void)
{
	char path[512], line[128];
	unsigned long long st = 7;
	FILE *f;
	int fd, i, bad = 0, n = 0;
	long prev_key = -1, prev_seq = -1;
	struct sdc_err e;

	snprintf(path, sizeof(path), "%s/x.csv", dir);
	f = fopen(path, "w");
	fputs("seq,patient_id,\"note\"\n", f);
	for (i = 0; i < 20000; i++)
		fprintf(f, "%d,%d,\"a,\"\"%d\"\n", i, (int)(tap_rand(&st) % 500),
		    i);
	fclose(f);
	ok(sdc_xsort_csv(path, "patient_id", "#line", tmpd, 65536, &fd, &e) == 0,
	    "xsort with small runs");
	ok(count_files(tmpd) == 0, "xsort: run files already unlinked");
	f = fdopen(fd, "r");
	if (fgets(line, sizeof(line), f) == NULL ||
	    strcmp(line, "#line,seq,patient_id,note\n") != 0)
		bad++;
	while (fgets(line, sizeof(line), f) != NULL) {
		long ln, seq, key;

		if (sscanf(line, "%ld,%ld,%ld,", &ln, &seq, &key) != 3 ||
		    ln != seq + 2 || key < prev_key ||
		    (key == prev_key && seq < prev_seq) ||
		    strstr(line, ",\"a,\"\"") == NULL)
			bad++;
		prev_key = key;
		prev_seq = seq;
		n++;
	}
	fclose(f);
	unlink(path);
	ok(bad == 0 && n == 20000, "xsort: %d records sorted, stable, with lines "
	    "(%d bad)", n, bad);
}

static void
t_write_csv(void)
{
	char path[512], buf[1024];
	struct sdc_engine_opts o;
	struct sdc_output *out;
	struct sdc_qnode *v[3];
	FILE *f;
	size_t n;

	tables("patient_id,s1,f1,d1\n1,\"a,\"\"b\"\"\",0.5,2020-01-02\n"
	    "10000000000,plain,,\n", NULL);
	begin();
	v[0] = col(P, "s1");
	v[1] = col(P, "f1");
	v[2] = col(P, "d1");
	default_population();
	set_vars(3, v);
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	memset(&o, 0, sizeof(o));
	o.tables_dir = dir;
	out = sdc_output_open(path, &err);
	ok(sdc_engine_write_csv(q, &o, out, &err) == 0 &&
	    sdc_output_commit(out, &err) == 0, "write_csv");
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	is_str(buf, "patient_id,v,w,x\n1,\"a,\"\"b\"\"\",0.5,2020-01-02\n"
	    "10000000000,plain,,\n", "CSV output: quoting, NULL empty, LF");
}

int
main(void)
{
	char cmd[600];

	TP = sdc_schema_table("spec", "p");
	TE = sdc_schema_table("spec", "e");
	snprintf(dir, sizeof(dir), "/tmp/t_engine.%ld", (long)getpid());
	snprintf(tmpd, sizeof(tmpd), "%s/tmp", dir);
	mkdir(dir, 0700);
	mkdir(tmpd, 0700);
	t_columns();
	t_logic();
	t_arith();
	t_dates();
	t_filter();
	t_sort();
	t_aggregates();
	t_sets();
	t_strings();
	t_population();
	t_inputs();
	t_big();
	t_xsort();
	t_write_csv();
	sdc_query_free(q);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup");
	return done();
}
