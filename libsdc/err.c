/* err.c - error records for libsdc. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

void
sdc_err_clear(struct sdc_err *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}

int
sdc_err_set(struct sdc_err *err, enum sdc_err_code code, const char *file,
    unsigned long long line, unsigned long long column, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	err->line = line;
	err->column = column;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
sdc_err_nomem(struct sdc_err *err)
{
	return sdc_err_set(err, SDC_ENOMEM, NULL, 0, 0, "out of memory");
}

const char *
sdc_err_format(const struct sdc_err *err, char *buf, unsigned long size)
{
	char msg[4 * SDC_ERR_MSG_MAX];
	const unsigned char *s;
	size_t n = 0;

	/*
	 * One message, one line: control characters quoted from the input
	 * (a line end inside a quoted field, say) are shown escaped.
	 */
	for (s = (const unsigned char *)err->msg; *s && n + 5 < sizeof(msg);
	    s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t') {
			msg[n++] = '\\';
			msg[n++] = *s == '\n' ? 'n' : *s == '\r' ? 'r' : 't';
		} else if (*s < 0x20 || *s == 0x7f) {
			n += (size_t)snprintf(msg + n, sizeof(msg) - n,
			    "\\x%02x", *s);
		} else {
			msg[n++] = (char)*s;
		}
	}
	msg[n] = '\0';
	if (err->file[0] != '\0' && err->line > 0 && err->column > 0)
		snprintf(buf, size, "%s:%llu:%llu: %s", err->file, err->line,
		    err->column, msg);
	else if (err->file[0] != '\0' && err->line > 0)
		snprintf(buf, size, "%s:%llu: %s", err->file, err->line, msg);
	else if (err->file[0] != '\0')
		snprintf(buf, size, "%s: %s", err->file, msg);
	else
		snprintf(buf, size, "%s", msg);
	return buf;
}
