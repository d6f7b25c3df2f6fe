/*
 * err.h - error reporting for libsdc.
 *
 * The library never prints and never exits.  A function that can fail
 * takes a caller-owned struct sdc_err and, on failure, returns -1 (or
 * NULL) after filling it in.  The caller decides how to report it.
 */
#ifndef SDC_ERR_H
#define SDC_ERR_H

enum sdc_err_code {
	SDC_EOK = 0,
	SDC_EUSAGE,	/* bad argument from the caller */
	SDC_EIO,	/* read or write failed */
	SDC_EPARSE,	/* malformed input */
	SDC_EDATA,	/* well-formed input with a value we refuse */
	SDC_ENOMEM,	/* out of memory */
	SDC_ELIMIT	/* input exceeds a documented limit */
};

#define SDC_ERR_FILE_MAX 256
#define SDC_ERR_MSG_MAX 512

/*
 * Where and what.  line and column are 1-based; 0 means "not known"
 * (for example an error opening a file has neither).
 */
struct sdc_err {
	enum sdc_err_code code;
	char file[SDC_ERR_FILE_MAX];
	unsigned long long line;
	unsigned long long column;
	char msg[SDC_ERR_MSG_MAX];
};

/* Reset to "no error". */
void sdc_err_clear(struct sdc_err *err);

/*
 * Record an error.  file may be NULL.  Always returns -1 so that a
 * caller can write "return sdc_err_set(...)".  err may be NULL, in which
 * case nothing is recorded.
 */
int sdc_err_set(struct sdc_err *err, enum sdc_err_code code,
    const char *file, unsigned long long line, unsigned long long column,
    const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Record an out-of-memory error; returns -1. */
int sdc_err_nomem(struct sdc_err *err);

/*
 * Format the error as "file:line:column: message" (parts that are not
 * known are left out) into buf.  Returns buf.
 */
const char *sdc_err_format(const struct sdc_err *err, char *buf,
    unsigned long size);

#endif
