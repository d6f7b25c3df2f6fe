/*
 * report.c - a release check's findings as text for people and as
 * JSON for machines.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "num.h"
#include "sdc.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
put(struct sdc_output *out, struct sdc_err *err, const char *fmt, ...)
{
	char small[512], *buf = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return sdc_err_set(err, SDC_EIO, NULL, 0, 0, "format error");
	if ((size_t)n >= sizeof(small)) {
		if ((buf = malloc((size_t)n + 1)) == NULL)
			return sdc_err_nomem(err);
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = sdc_output_write(out, buf, (size_t)n, err);
	if (buf != small)
		free(buf);
	return rc;
}

static size_t
files_with_findings(const struct sdc_check *c)
{
	const struct sdc_check_finding *fd = sdc_check_findings(c);
	size_t i, n = 0;

	for (i = 0; i < sdc_check_nfinding(c); i++)
		if (i == 0 || fd[i].file != fd[i - 1].file)
			n++;
	return n;
}

int
sdc_check_write_text(const struct sdc_check *c, struct sdc_output *out,
    int quiet, struct sdc_err *err)
{
	const struct sdc_check_finding *fd = sdc_check_findings(c);
	const struct sdc_check_file *f = sdc_check_files(c);
	size_t i, n = sdc_check_nfinding(c), nf = sdc_check_nfile(c);

	if (quiet)
		return 0;
	for (i = 0; i < n; i++) {
		const struct sdc_check_finding *d = &fd[i];
		int rc;

		if (i > 0 && d->file != fd[i - 1].file &&
		    put(out, err, "\n") != 0)
			return -1;
		if (d->line == 0)
			rc = put(out, err, "%s: %s: %s\n", f[d->file].path,
			    d->rule, d->msg);
		else if (d->column == NULL)
			rc = put(out, err, "%s:%llu: %s: %s\n", f[d->file].path,
			    d->line, d->rule, d->msg);
		else
			rc = put(out, err, "%s:%llu:%s: %s: %s\n",
			    f[d->file].path, d->line, d->column, d->rule,
			    d->msg);
		if (rc != 0)
			return -1;
	}
	if (n > 0)
		return put(out, err, "%sverdict: disclosive: %zu finding%s in "
		    "%zu of %zu file%s\n", n ? "\n" : "", n, n == 1 ? "" : "s",
		    files_with_findings(c), nf, nf == 1 ? "" : "s");
	return put(out, err, "verdict: safe: %zu file%s, %zu count cell%s, "
	    "nothing disclosive found\n", nf, nf == 1 ? "" : "s",
	    sdc_check_stats(c)->cells, sdc_check_stats(c)->cells == 1 ? "" :
	    "s");
}

/* s as a JSON string; NULL as null. */
static int
jstr(struct sdc_output *out, const char *s, struct sdc_err *err)
{
	const unsigned char *p = (const unsigned char *)s;
	char buf[8];

	if (s == NULL)
		return sdc_output_write(out, "null", 4, err);
	if (sdc_output_write(out, "\"", 1, err) != 0)
		return -1;
	for (; *p != '\0'; p++) {
		const char *e = NULL;
		size_t k = 1;

		switch (*p) {
		case '"': e = "\\\""; k = 2; break;
		case '\\': e = "\\\\"; k = 2; break;
		case '\n': e = "\\n"; k = 2; break;
		case '\r': e = "\\r"; k = 2; break;
		case '\t': e = "\\t"; k = 2; break;
		default:
			if (*p < 0x20) {
				snprintf(buf, sizeof(buf), "\\u%04x", *p);
				e = buf;
				k = 6;
			}
		}
		if (sdc_output_write(out, e ? e : (const char *)p, k, err) != 0)
			return -1;
	}
	return sdc_output_write(out, "\"", 1, err);
}

static int
jnum(struct sdc_output *out, double x, struct sdc_err *err)
{
	char buf[SDC_NUM_DOUBLE_MAX];
	size_t n;

	if (isinf(x) || isnan(x))
		return sdc_output_write(out, "null", 4, err);
	n = sdc_num_format_double(x, buf);
	return sdc_output_write(out, buf, n, err);
}

int
sdc_check_write_json(const struct sdc_check *c, struct sdc_output *out,
    struct sdc_err *err)
{
	const struct sdc_check_opts *o = sdc_check_options(c);
	const struct sdc_check_finding *fd = sdc_check_findings(c);
	const struct sdc_check_file *f = sdc_check_files(c);
	const struct sdc_check_stats *st = sdc_check_stats(c);
	size_t i, j, n = sdc_check_nfinding(c), nf = sdc_check_nfile(c), nm;
	const char *const *markers = o->infer.markers;

	if (markers == NULL)
		markers = sdc_infer_default_markers(&nm);
	else
		nm = o->infer.nmarkers;
	if (put(out, err, "{\n  \"tool\": \"sdc-check\",\n  \"version\": "
	    "\"%s\",\n  \"verdict\": \"%s\",\n  \"profile\": ", SDC_VERSION,
	    n ? "disclosive" : "safe") != 0 || jstr(out, o->profile, err) != 0)
		return -1;
	if (put(out, err, ",\n  \"rules\": {\n    \"threshold\": %lld,\n"
	    "    \"zeros_disclosive\": %s,\n    \"rounding_base\": %lld,\n"
	    "    \"nk\": ", (long long)o->threshold, o->zeros ? "true" : "false",
	    (long long)(o->base > 1 ? o->base : 0)) != 0)
		return -1;
	if (o->nk_n > 0) {
		if (put(out, err, "{\"n\": %d, \"k\": ", o->nk_n) != 0 ||
		    jnum(out, o->nk_k, err) != 0 || put(out, err, "}") != 0)
			return -1;
	} else if (put(out, err, "null") != 0)
		return -1;
	if (put(out, err, ",\n    \"p_percent\": ") != 0 ||
	    (o->p > 0 ? jnum(out, o->p, err) : put(out, err, "null")) != 0 ||
	    put(out, err, ",\n    \"protection\": ") != 0 ||
	    jnum(out, o->protection > 0 ? o->protection :
	    (double)o->threshold, err) != 0 ||
	    put(out, err, ",\n    \"max_rows\": %llu,\n    \"max_bytes\": "
	    "%llu,\n    \"file_types\": [", (unsigned long long)o->max_rows,
	    (unsigned long long)o->max_bytes) != 0)
		return -1;
	for (i = 0; i < o->ntypes; i++)
		if ((i && put(out, err, ", ") != 0) ||
		    jstr(out, o->types[i], err) != 0)
			return -1;
	if (put(out, err, "],\n    \"total_label\": ") != 0 ||
	    jstr(out, o->infer.total, err) != 0 ||
	    put(out, err, ",\n    \"redaction_markers\": [") != 0)
		return -1;
	for (i = 0; i < nm; i++)
		if ((i && put(out, err, ", ") != 0) ||
		    jstr(out, markers[i], err) != 0)
			return -1;
	if (put(out, err, "]\n  },\n  \"files\": [") != 0)
		return -1;
	for (i = 0; i < nf; i++) {
		if (put(out, err, "%s\n    {\"path\": ", i ? "," : "") != 0 ||
		    jstr(out, f[i].path, err) != 0 ||
		    put(out, err, ", \"sha256\": \"%s\", \"bytes\": %llu, "
		    "\"rows\": %llu, \"history\": %s, \"columns\": [",
		    f[i].sha256, (unsigned long long)f[i].bytes, f[i].rows,
		    f[i].history ? "true" : "false") != 0)
			return -1;
		for (j = 0; f[i].kind != NULL && j < f[i].ncol; j++)
			if (put(out, err, "%s{\"name\": ", j ? ", " : "") != 0 ||
			    jstr(out, f[i].col[j], err) != 0 ||
			    put(out, err, ", \"kind\": \"%s\"}",
			    sdc_infer_kind_name(f[i].kind[j])) != 0)
				return -1;
		if (put(out, err, "]}") != 0)
			return -1;
	}
	if (put(out, err, "%s],\n  \"findings\": [", nf ? "\n  " : "") != 0)
		return -1;
	for (i = 0; i < n; i++) {
		const struct sdc_check_finding *d = &fd[i];

		if (put(out, err, "%s\n    {\"file\": ", i ? "," : "") != 0 ||
		    jstr(out, f[d->file].path, err) != 0 ||
		    put(out, err, ", \"line\": ") != 0 ||
		    (d->line ? put(out, err, "%llu", d->line) :
		    put(out, err, "null")) != 0 ||
		    put(out, err, ", \"column\": ") != 0 ||
		    jstr(out, d->column, err) != 0 ||
		    put(out, err, ", \"rule\": ") != 0 ||
		    jstr(out, d->rule, err) != 0 ||
		    put(out, err, ", \"value\": ") != 0 ||
		    jstr(out, d->value, err) != 0 ||
		    put(out, err, ", \"interval\": ") != 0)
			return -1;
		if (d->interval) {
			if (put(out, err, "[") != 0 ||
			    jnum(out, d->lo, err) != 0 ||
			    put(out, err, ", ") != 0 ||
			    jnum(out, d->hi, err) != 0 ||
			    put(out, err, "]") != 0)
				return -1;
		} else if (put(out, err, "null") != 0)
			return -1;
		if (put(out, err, ", \"message\": ") != 0 ||
		    jstr(out, d->msg, err) != 0 || put(out, err, "}") != 0)
			return -1;
	}
	return put(out, err, "%s],\n  \"audit\": {\"count_cells\": %zu, "
	    "\"cells\": %zu, \"identities\": %zu, \"linked_files\": %zu, "
	    "\"groups\": %zu, \"targets\": %zu, \"lps\": %zu}\n}\n",
	    n ? "\n  " : "", st->cells, st->vars, st->identities, st->links,
	    st->components, st->targets, st->lps);
}
