/*
 * t_schema.c - the declarative ehrQL table schemas: structural checks on
 * every table, and spot checks against ehrql/tables/core.py, tpp.py and
 * tests/spec/tables.py.
 */
#include <string.h>

#include "libsdc/schema.h"
#include "tests/unit/tap.h"

static const struct sdc_schema_column *
col(const char *module, const char *table, const char *name)
{
	const struct sdc_schema_table *t = sdc_schema_table(module, table);

	return t ? sdc_schema_column(t, name) : NULL;
}

static int
cats_are(const struct sdc_schema_column *c, const char *const *want)
{
	size_t i;

	if (c == NULL || !(c->flags & SDC_COL_CATEGORICAL))
		return 0;
	for (i = 0; want[i] != NULL; i++)
		if (c->categories[i] == NULL ||
		    strcmp(c->categories[i], want[i]) != 0)
			return 0;
	return c->categories[i] == NULL;
}

/* Structural checks over every table of every module. */
static void
structure(void)
{
	const char *const *m;

	for (m = sdc_schema_modules; *m != NULL; m++) {
		size_t n, i, j, k;
		const struct sdc_schema_table *t = sdc_schema_tables(*m, &n);

		ok(t != NULL && n > 0, "module %s has %zu tables", *m, n);
		for (i = 0; t != NULL && i < n; i++) {
			const struct sdc_schema_table *tb = &t[i];
			const struct sdc_schema_column *c = tb->columns;
			int dup = 0, bad_pid = 0, bad_cat = 0, bad_sys = 0;
			int bad_desc = 0, bad_find = 0, bad_other = 0;

			ok(strcmp(tb->module, *m) == 0 &&
			    sdc_schema_table(*m, tb->name) == tb &&
			    (tb->alias == NULL ||
			    sdc_schema_table(*m, tb->alias) == tb),
			    "%s.%s found by name", *m, tb->name);
			for (j = 0; j < i; j++)
				if (strcmp(t[j].name, tb->name) == 0)
					dup++;
			if (tb->ncolumns < 2 || strcmp(c[0].name,
			    "patient_id") != 0 || c[0].type != SDC_TYPE_INT ||
			    !(c[0].flags & SDC_COL_NOT_NULL) ||
			    !(c[0].flags & SDC_COL_UNIQUE) !=
			    !tb->patient_level)
				bad_pid++;
			for (j = 0; j < tb->ncolumns; j++) {
				const struct sdc_schema_column *cj = &c[j];

				for (k = 0; k < j; k++)
					if (strcmp(c[k].name, cj->name) == 0)
						dup++;
				if (j > 0 && (cj->flags & SDC_COL_UNIQUE))
					bad_pid++;
				if (cj->flags & SDC_COL_CATEGORICAL) {
					if (cj->categories == NULL ||
					    cj->categories[0] == NULL)
						bad_cat++;
					for (k = 0; cj->categories &&
					    cj->categories[k]; k++) {
						size_t l;

						for (l = 0; l < k; l++)
							if (strcmp(cj->categories
							    [l], cj->categories
							    [k]) == 0)
								bad_cat++;
						if (!sdc_schema_category_ok(cj,
						    cj->categories[k],
						    strlen(cj->categories[k])))
							bad_cat++;
					}
					if (sdc_schema_category_ok(cj, "nope?",
					    5))
						bad_cat++;
				} else if (cj->categories != NULL ||
				    !sdc_schema_category_ok(cj, "x", 1))
					bad_cat++;
				if ((cj->type == SDC_TYPE_CODE ||
				    cj->type == SDC_TYPE_MULTICODE) !=
				    (cj->system != SDC_CODE_NONE) ||
				    (cj->system != SDC_CODE_NONE &&
				    sdc_code_validator(cj->system) == NULL))
					bad_sys++;
				if (cj->type == SDC_TYPE_MULTICODE &&
				    cj->system != SDC_CODE_ICD10 &&
				    cj->system != SDC_CODE_OPCS4)
					bad_sys++;
				if (cj->description == NULL ||
				    cj->description[0] == '\0' ||
				    strchr(cj->description, '\n') != NULL)
					bad_desc++;
				if (sdc_schema_column(tb, cj->name) != cj ||
				    sdc_schema_column_index(tb, cj->name) !=
				    (long)j)
					bad_find++;
				if (((cj->flags & SDC_COL_RANGE) &&
				    (cj->type != SDC_TYPE_INT ||
				    cj->min > cj->max || cj->step < 1)) ||
				    ((cj->flags & SDC_COL_REGEX) &&
				    (cj->regex == NULL ||
				    cj->type != SDC_TYPE_STR)) ||
				    (!(cj->flags & SDC_COL_REGEX) &&
				    cj->regex != NULL) ||
				    ((cj->flags & SDC_COL_FIRST_OF_MONTH) &&
				    cj->type != SDC_TYPE_DATE))
					bad_other++;
			}
			if (tb->description == NULL ||
			    tb->description[0] == '\0' ||
			    strchr(tb->description, '\n') != NULL)
				bad_desc++;
			ok(bad_pid == 0, "%s.%s: patient_id first, int, not "
			    "null, unique iff patient-level (%s)", *m, tb->name,
			    tb->patient_level ? "patient" : "event");
			ok(dup == 0, "%s.%s: no repeated names", *m, tb->name);
			ok(bad_cat == 0, "%s.%s: categories", *m, tb->name);
			ok(bad_sys == 0, "%s.%s: code systems", *m, tb->name);
			ok(bad_desc == 0, "%s.%s: one-line descriptions", *m,
			    tb->name);
			ok(bad_find == 0, "%s.%s: columns found by name", *m,
			    tb->name);
			ok(bad_other == 0, "%s.%s: range, regex, first-of-month "
			    "sane", *m, tb->name);
		}
	}
}

static void
spot_checks(void)
{
	static const char *const sex[] = { "female", "male", "intersex",
	    "unknown", NULL };
	static const char *const place[] = { "Care Home", "Elsewhere", "Home",
	    "Hospice", "Hospital", "Other communal establishment", NULL };
	static const char *const addr_type[] = { "0", "1", "3", NULL };
	static const char *const cmp[] = { "~", "=", ">=", ">", "<", "<=",
	    NULL };
	static const char *const core_names[] = { "clinical_events",
	    "medications", "ons_deaths", "patients", "practice_registrations",
	    NULL };
	static const char *const tpp_names[] = { "addresses", "apcs",
	    "clinical_events", "clinical_events_ranges", "medications",
	    "ons_deaths", "patients", "practice_registrations", "vaccinations",
	    NULL };
	const struct sdc_schema_column *c;
	const struct sdc_schema_table *t, *u;
	size_t n, i;
	int good;
	char name[32];

	t = sdc_schema_tables("core", &n);
	for (i = 0, good = 1; core_names[i] != NULL; i++)
		good &= i < n && strcmp(t[i].name, core_names[i]) == 0;
	ok(good && n == 5, "core's five tables, in ehrQL's __all__ order");
	t = sdc_schema_tables("tpp", &n);
	for (i = 0, good = 1; tpp_names[i] != NULL; i++)
		good &= i < n && strcmp(t[i].name, tpp_names[i]) == 0;
	ok(good && n == 9, "tpp's nine tables, in ehrQL's __all__ order");
	ok(sdc_schema_tables("emis", &n) == NULL && n == 0,
	    "unknown module");
	ok(sdc_schema_table("core", "addresses") == NULL &&
	    sdc_schema_table("core", "p") == NULL &&
	    sdc_schema_table("tpp", "nope") == NULL, "unknown tables");

	t = sdc_schema_table("core", "patients");
	ok(t && t->patient_level && t->ncolumns == 4, "core.patients: "
	    "patient-level, patient_id + 3 columns");
	c = col("core", "patients", "sex");
	ok(cats_are(c, sex) && c->type == SDC_TYPE_STR &&
	    (c->flags & SDC_COL_NOT_NULL), "patients.sex: female, male, "
	    "intersex, unknown; not null");
	ok(sdc_schema_category_ok(c, "male", 4) &&
	    !sdc_schema_category_ok(c, "Male", 4) &&
	    !sdc_schema_category_ok(c, "mal", 3) &&
	    !sdc_schema_category_ok(c, "", 0), "category_ok is exact");
	c = col("core", "patients", "date_of_birth");
	ok(c && c->type == SDC_TYPE_DATE && c->flags ==
	    (SDC_COL_FIRST_OF_MONTH | SDC_COL_NOT_NULL),
	    "patients.date_of_birth: date, first of month, not null");
	c = col("core", "patients", "date_of_death");
	ok(c && c->type == SDC_TYPE_DATE && c->flags == 0,
	    "patients.date_of_death: date, nullable");
	u = sdc_schema_table("tpp", "patients");
	for (i = 0, good = t && u && t->ncolumns == u->ncolumns; good &&
	    i < t->ncolumns; i++)
		good &= strcmp(t->columns[i].name, u->columns[i].name) == 0 &&
		    t->columns[i].flags == u->columns[i].flags;
	ok(good, "tpp.patients is core.patients");

	c = col("core", "practice_registrations", "start_date");
	ok(c && c->type == SDC_TYPE_DATE && c->flags == SDC_COL_NOT_NULL,
	    "practice_registrations.start_date: date, not null");
	c = col("core", "practice_registrations", "end_date");
	ok(c && c->type == SDC_TYPE_DATE && c->flags == 0,
	    "practice_registrations.end_date: nullable");
	c = col("core", "practice_registrations", "practice_pseudo_id");
	ok(c && c->type == SDC_TYPE_INT && c->flags == SDC_COL_NOT_NULL,
	    "practice_pseudo_id: int, not null");
	t = sdc_schema_table("tpp", "practice_registrations");
	ok(t && !t->patient_level && t->ncolumns == 7 &&
	    sdc_schema_column_index(t, "practice_stp") == 4,
	    "tpp.practice_registrations: core's columns then TPP's three");
	c = col("tpp", "practice_registrations", "practice_stp");
	ok(c && c->type == SDC_TYPE_STR && (c->flags & SDC_COL_REGEX) &&
	    strcmp(c->regex, "E540000[0-9]{2}") == 0, "practice_stp regex");
	c = col("tpp", "practice_registrations", "practice_nuts1_region_name");
	for (i = 0; c && c->categories[i]; i++)
		;
	ok(c && i == 9 && strcmp(c->categories[6], "London") == 0,
	    "nine NUTS1 regions");

	c = col("core", "clinical_events", "snomedct_code");
	ok(c && c->type == SDC_TYPE_CODE && c->system == SDC_CODE_SNOMEDCT,
	    "clinical_events.snomedct_code is SNOMED CT");
	ok(col("core", "clinical_events", "ctv3_code") == NULL &&
	    col("core", "clinical_events", "consultation_id") == NULL,
	    "core.clinical_events has no CTV3 or consultation_id");
	c = col("tpp", "clinical_events", "ctv3_code");
	ok(c && c->type == SDC_TYPE_CODE && c->system == SDC_CODE_CTV3,
	    "tpp.clinical_events.ctv3_code is CTV3");
	c = col("tpp", "clinical_events", "numeric_value");
	ok(c && c->type == SDC_TYPE_FLOAT, "numeric_value is a float");
	c = col("tpp", "clinical_events_ranges", "comparator");
	ok(cats_are(c, cmp), "clinical_events_ranges.comparator categories");
	c = col("core", "medications", "dmd_code");
	ok(c && c->type == SDC_TYPE_CODE && c->system == SDC_CODE_DMD,
	    "medications.dmd_code is dm+d");
	ok(col("tpp", "medications", "consultation_id") != NULL &&
	    col("core", "medications", "consultation_id") == NULL,
	    "consultation_id only in tpp.medications");

	t = sdc_schema_table("core", "ons_deaths");
	u = sdc_schema_table("tpp", "ons_deaths");
	ok(t && t->patient_level && t->ncolumns == 18 && u &&
	    u->ncolumns == 19, "ons_deaths: patient-level, date, underlying "
	    "cause and 15 causes (+ place in tpp)");
	for (i = 1, good = 1; t && i <= 15; i++) {
		snprintf(name, sizeof(name), "cause_of_death_%02zu", i);
		c = col("core", "ons_deaths", name);
		good &= c && c->type == SDC_TYPE_CODE &&
		    c->system == SDC_CODE_ICD10;
	}
	ok(good, "cause_of_death_01..15 are ICD-10");
	ok(cats_are(col("tpp", "ons_deaths", "place"), place),
	    "ons_deaths.place categories");

	c = col("tpp", "apcs", "all_diagnoses");
	ok(c && c->type == SDC_TYPE_MULTICODE && c->system == SDC_CODE_ICD10,
	    "apcs.all_diagnoses: ICD-10 multi-code string");
	c = col("tpp", "apcs", "all_procedures");
	ok(c && c->type == SDC_TYPE_MULTICODE && c->system == SDC_CODE_OPCS4,
	    "apcs.all_procedures: OPCS-4 multi-code string");
	c = col("tpp", "apcs", "primary_diagnosis");
	ok(c && c->type == SDC_TYPE_CODE && c->system == SDC_CODE_ICD10,
	    "apcs.primary_diagnosis: ICD-10");
	c = col("tpp", "apcs", "apcs_ident");
	ok(c && c->type == SDC_TYPE_INT && c->flags == SDC_COL_NOT_NULL,
	    "apcs.apcs_ident: int, not null");

	c = col("tpp", "addresses", "imd_rounded");
	ok(c && (c->flags & SDC_COL_RANGE) && c->min == 0 && c->max == 32800 &&
	    c->step == 100, "addresses.imd_rounded: 0..32800 step 100");
	c = col("tpp", "addresses", "rural_urban_classification");
	ok(c && c->min == 1 && c->max == 8 && c->step == 1,
	    "rural_urban_classification: 1..8");
	c = col("tpp", "addresses", "address_type");
	ok(c && c->type == SDC_TYPE_INT && cats_are(c, addr_type),
	    "address_type: int categories 0, 1, 3");
	c = col("tpp", "addresses", "msoa_code");
	ok(c && strcmp(c->regex, "E020[0-9]{5}") == 0, "msoa_code regex");
	c = col("tpp", "addresses", "has_postcode");
	ok(c && c->type == SDC_TYPE_BOOL, "has_postcode is a bool");
	c = col("tpp", "vaccinations", "target_disease");
	ok(c && c->type == SDC_TYPE_STR &&
	    sdc_schema_table("tpp", "vaccinations")->ncolumns == 5,
	    "vaccinations: id, date, target_disease, product_name");

	t = sdc_schema_table("spec", "p");
	u = sdc_schema_table("spec", "e");
	ok(t && u && t == sdc_schema_table("spec", "patient_level_table") &&
	    u == sdc_schema_table("spec", "event_level_table") &&
	    t->patient_level && !u->patient_level, "spec tables p and e");
	ok(t && u && t->ncolumns == 13 && u->ncolumns == 14 &&
	    sdc_schema_column(t, "i3") == NULL &&
	    sdc_schema_column(u, "i3") != NULL, "e has i3, p has not");
	c = col("spec", "p", "m1");
	ok(c && c->type == SDC_TYPE_MULTICODE && c->system == SDC_CODE_ICD10,
	    "spec m1: ICD-10 multi-code string");
	c = col("spec", "e", "c1");
	ok(c && c->system == SDC_CODE_SNOMEDCT, "spec c1: SNOMED CT");
	ok(col("spec", "p", "nope") == NULL &&
	    sdc_schema_column_index(t, "nope") == -1, "unknown column");

	is_str(sdc_schema_type_name(SDC_TYPE_MULTICODE), "multicode",
	    "type names");
	is_str(sdc_schema_type_name(SDC_TYPE_DATE), "date", "type names");
}

int
main(void)
{
	structure();
	spot_checks();
	return done();
}
