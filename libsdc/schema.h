/*
 * schema.h - the EHR tables sdc-extract knows, as one declarative table
 * of static data copied from ehrQL's schemas:
 *
 *   module "core"  ehrql.tables.core: patients, practice_registrations,
 *                  clinical_events, medications, ons_deaths
 *   module "tpp"   ehrql.tables.tpp, the tables most studies use:
 *                  patients (the same as core's), practice_registrations,
 *                  clinical_events, medications, ons_deaths (each with
 *                  TPP's extra columns), addresses, apcs, vaccinations,
 *                  clinical_events_ranges
 *   module "spec"  the generic tables of ehrQL's language-neutral spec
 *                  tests (tests/spec/tables.py): patient_level_table
 *                  (alias "p") and event_level_table (alias "e"); for
 *                  tests only
 *
 * Column 0 of every table is patient_id: an integer (ids may exceed
 * 2^32), never NULL, and unique in a patient-level table (at most one
 * row per patient, ehrQL's PatientFrame); event-level tables
 * (EventFrame) may have many rows per patient.  The other columns follow
 * in ehrQL's definition order with ehrQL's names, types and constraints.
 *
 * Constraints are what ehrQL declares; ehrQL itself does not enforce
 * NotNull or FirstOfMonth when it loads local files, but it does check
 * categorical values.  Everything here is static and read-only: the
 * pointers stay valid for the life of the program.
 */
#ifndef SDC_SCHEMA_H
#define SDC_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "codelist.h"

enum sdc_schema_type {
	SDC_TYPE_BOOL,		/* T / F */
	SDC_TYPE_INT,		/* 64-bit integer */
	SDC_TYPE_FLOAT,		/* double */
	SDC_TYPE_STR,		/* text */
	SDC_TYPE_DATE,		/* YYYY-MM-DD, see date.h */
	SDC_TYPE_CODE,		/* one code of column->system */
	SDC_TYPE_MULTICODE	/* a string of codes of column->system,
				 * searched with contains() (ehrQL's
				 * ICD10MultiCodeString, OPCS4MultiCodeString) */
};

/* Constraint flags (ehrQL's Constraint classes). */
enum {
	SDC_COL_NOT_NULL = 1,		/* Constraint.NotNull */
	SDC_COL_UNIQUE = 2,		/* Constraint.Unique */
	SDC_COL_FIRST_OF_MONTH = 4,	/* Constraint.FirstOfMonth */
	SDC_COL_RANGE = 8,		/* Constraint.ClosedRange: min, max, step */
	SDC_COL_CATEGORICAL = 16,	/* Constraint.Categorical: categories */
	SDC_COL_REGEX = 32		/* Constraint.Regex: regex */
};

struct sdc_schema_column {
	const char *name;
	enum sdc_schema_type type;
	enum sdc_code_system system;	/* CODE and MULTICODE only */
	unsigned flags;
	/*
	 * Categorical values in ehrQL's order, as text (an int column's
	 * categories are written in decimal); NULL-terminated.
	 */
	const char *const *categories;
	int64_t min, max, step;		/* SDC_COL_RANGE: min <= v <= max;
					 * step is documentation, as in ehrQL */
	const char *regex;		/* SDC_COL_REGEX: a full match */
	const char *description;	/* one line */
};

struct sdc_schema_table {
	const char *module;		/* "core", "tpp", "spec" */
	const char *name;
	const char *alias;		/* short name or NULL ("p", "e") */
	int patient_level;		/* 1: PatientFrame, 0: EventFrame */
	const char *description;
	size_t ncolumns;		/* including patient_id */
	const struct sdc_schema_column *columns;
};

/* The modules' names, NULL-terminated: "core", "tpp", "spec". */
extern const char *const sdc_schema_modules[];

/*
 * The tables of module, in ehrQL's order, and their number in *n;
 * NULL (and *n = 0) for an unknown module.
 */
const struct sdc_schema_table *sdc_schema_tables(const char *module,
    size_t *n);

/* Table name (or alias) of module, or NULL. */
const struct sdc_schema_table *sdc_schema_table(const char *module,
    const char *name);

/* Column name of t, or NULL. */
const struct sdc_schema_column *sdc_schema_column(
    const struct sdc_schema_table *t, const char *name);

/* Its index in t->columns, or -1. */
long sdc_schema_column_index(const struct sdc_schema_table *t,
    const char *name);

/* "bool", "int", "float", "str", "date", "code", "multicode". */
const char *sdc_schema_type_name(enum sdc_schema_type type);

/*
 * 1 when the len bytes at s are one of c's categories, else 0; always 1
 * for a column without SDC_COL_CATEGORICAL.  The comparison is textual:
 * give an int column's value in plain decimal ("3", not "03").
 */
int sdc_schema_category_ok(const struct sdc_schema_column *c, const char *s,
    size_t len);

#endif
