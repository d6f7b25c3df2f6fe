/*
 * query.c - the query graph's storage: an arena for nodes and strings,
 * objects the query owns, the table list.  The builders that check
 * types and levels follow at the end of the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"

#define CHUNK_MIN (64 * 1024)

struct chunk {
	struct chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct kept {
	void *obj;
	void (*fn)(void *);
};

struct sdc_query_mem_ {
	struct chunk *chunks;
	struct kept *kept;
	size_t nkept, capkept;
	size_t captables;
};

struct sdc_query *
sdc_query_new(struct sdc_err *err)
{
	struct sdc_query *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->mem_ = calloc(1, sizeof(*q->mem_))) == NULL) {
		free(q);
		sdc_err_nomem(err);
		return NULL;
	}
	return q;
}

void
sdc_query_free(struct sdc_query *q)
{
	struct chunk *c, *next;
	size_t i;

	if (q == NULL)
		return;
	for (i = q->mem_->nkept; i-- > 0;)
		q->mem_->kept[i].fn(q->mem_->kept[i].obj);
	free(q->mem_->kept);
	for (c = q->mem_->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(q->tables);
	free(q->mem_);
	free(q);
}

void *
sdc_query_alloc(struct sdc_query *q, size_t n, struct sdc_err *err)
{
	struct chunk *c = q->mem_->chunks;
	size_t align = sizeof(max_align_t), size;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX / 2) {
		sdc_err_nomem(err);
		return NULL;
	}
	n = (n + align - 1) / align * align;
	if (c == NULL || c->size - c->used < n) {
		size = n > CHUNK_MIN ? n : CHUNK_MIN;
		if ((c = malloc(sizeof(*c) + size)) == NULL) {
			sdc_err_nomem(err);
			return NULL;
		}
		c->size = size;
		c->used = 0;
		c->next = q->mem_->chunks;
		q->mem_->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

int
sdc_query_keep(struct sdc_query *q, void *obj, void (*fn)(void *),
    struct sdc_err *err)
{
	struct sdc_query_mem_ *m = q->mem_;
	struct kept *k;
	size_t cap;

	if (m->nkept == m->capkept) {
		cap = m->capkept ? m->capkept * 2 : 8;
		if ((k = realloc(m->kept, cap * sizeof(*k))) == NULL) {
			fn(obj);
			return sdc_err_nomem(err);
		}
		m->kept = k;
		m->capkept = cap;
	}
	m->kept[m->nkept].obj = obj;
	m->kept[m->nkept].fn = fn;
	m->nkept++;
	return 0;
}

long
sdc_query_table(struct sdc_query *q, const struct sdc_schema_table *t,
    struct sdc_err *err)
{
	struct sdc_qtable *tab;
	size_t i, cap;

	for (i = 0; i < q->ntables; i++)
		if (q->tables[i].schema == t)
			return (long)i;
	if (t->ncolumns > 64)
		return sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0,
		    "table %s has more than 64 columns", t->name);
	if (q->ntables == q->mem_->captables) {
		cap = q->mem_->captables ? q->mem_->captables * 2 : 8;
		if ((tab = realloc(q->tables, cap * sizeof(*tab))) == NULL)
			return sdc_err_nomem(err);
		q->tables = tab;
		q->mem_->captables = cap;
	}
	tab = &q->tables[q->ntables];
	memset(tab, 0, sizeof(*tab));
	tab->schema = t;
	tab->used = 1;
	return (long)q->ntables++;
}

struct sdc_qnode *
sdc_query_node(struct sdc_query *q, enum sdc_qkind kind, size_t n,
    struct sdc_err *err)
{
	struct sdc_qnode *node;

	if (q->nnodes >= 0xffffffffu) {
		sdc_err_set(err, SDC_ELIMIT, NULL, 0, 0, "too many nodes");
		return NULL;
	}
	if ((node = sdc_query_alloc(q, sizeof(*node), err)) == NULL)
		return NULL;
	if (n > 0 && (node->kid = sdc_query_alloc(q, n * sizeof(*node->kid),
	    err)) == NULL)
		return NULL;
	node->kind = kind;
	node->n = n;
	node->column = -1;
	node->id = (unsigned)q->nnodes++;
	return node;
}
