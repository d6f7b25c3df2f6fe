/*
 * schema.c - ehrQL's table schemas as static data.  Each table below
 * names its source in ehrQL; descriptions are ehrQL's where it has one,
 * shortened to a line, and ours where it has none.
 */
#include <string.h>

#include "schema.h"

/* Column constructors, to keep the tables one line per column. */
#define COL(n, t, d) \
	{ .name = (n), .type = (t), .description = (d) }
#define COLF(n, t, f, d) \
	{ .name = (n), .type = (t), .flags = (f), .description = (d) }
#define CODE(n, s, d) \
	{ .name = (n), .type = SDC_TYPE_CODE, .system = (s), .description = (d) }
#define MULTI(n, s, d) \
	{ .name = (n), .type = SDC_TYPE_MULTICODE, .system = (s), \
	  .description = (d) }
#define CAT(n, t, f, c, d) \
	{ .name = (n), .type = (t), .flags = SDC_COL_CATEGORICAL | (f), \
	  .categories = (c), .description = (d) }
#define RANGE(n, lo, hi, st, d) \
	{ .name = (n), .type = SDC_TYPE_INT, .flags = SDC_COL_RANGE, \
	  .min = (lo), .max = (hi), .step = (st), .description = (d) }
#define REGEX(n, re, d) \
	{ .name = (n), .type = SDC_TYPE_STR, .flags = SDC_COL_REGEX, \
	  .regex = (re), .description = (d) }

#define PATIENT_ID_P \
	COLF("patient_id", SDC_TYPE_INT, SDC_COL_NOT_NULL | SDC_COL_UNIQUE, \
	    "Pseudonymised patient identifier (one row per patient).")
#define PATIENT_ID_E \
	COLF("patient_id", SDC_TYPE_INT, SDC_COL_NOT_NULL, \
	    "Pseudonymised patient identifier.")

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define TABLE(mod, n, al, pl, cols, d) \
	{ .module = (mod), .name = (n), .alias = (al), .patient_level = (pl), \
	  .description = (d), .ncolumns = NCOLS(cols), .columns = (cols) }

#define T_BOOL SDC_TYPE_BOOL
#define T_INT SDC_TYPE_INT
#define T_FLOAT SDC_TYPE_FLOAT
#define T_STR SDC_TYPE_STR
#define T_DATE SDC_TYPE_DATE

/* Category lists */

static const char *const sex_cats[] = {
	"female", "male", "intersex", "unknown", NULL
};
static const char *const region_cats[] = {
	"North East", "North West", "Yorkshire and The Humber",
	"East Midlands", "West Midlands", "East", "London", "South East",
	"South West", NULL
};
static const char *const place_cats[] = {
	"Care Home", "Elsewhere", "Home", "Hospice", "Hospital",
	"Other communal establishment", NULL
};
static const char *const address_type_cats[] = { "0", "1", "3", NULL };
static const char *const comparator_cats[] = {
	"~", "=", ">=", ">", "<", "<=", NULL
};

/* Shared column lists */

#define PATIENTS_COLUMNS \
	PATIENT_ID_P, \
	COLF("date_of_birth", T_DATE, \
	    SDC_COL_FIRST_OF_MONTH | SDC_COL_NOT_NULL, \
	    "Patient's date of birth."), \
	CAT("sex", T_STR, SDC_COL_NOT_NULL, sex_cats, "Patient's sex."), \
	COL("date_of_death", T_DATE, "Patient's date of death.")

#define REGISTRATIONS_COLUMNS \
	PATIENT_ID_E, \
	COLF("start_date", T_DATE, SDC_COL_NOT_NULL, \
	    "Date patient joined practice."), \
	COL("end_date", T_DATE, "Date patient left practice."), \
	COLF("practice_pseudo_id", T_INT, SDC_COL_NOT_NULL, \
	    "Pseudonymised practice identifier.")

#define COD "Medical condition mentioned on the death certificate."
#define ONS_DEATHS_COLUMNS \
	PATIENT_ID_P, \
	COL("date", T_DATE, "Patient's date of death."), \
	CODE("underlying_cause_of_death", SDC_CODE_ICD10, \
	    "Patient's underlying cause of death."), \
	CODE("cause_of_death_01", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_02", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_03", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_04", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_05", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_06", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_07", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_08", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_09", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_10", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_11", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_12", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_13", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_14", SDC_CODE_ICD10, COD), \
	CODE("cause_of_death_15", SDC_CODE_ICD10, COD)

#define EVENT_DATE COL("date", T_DATE, "Date of the event.")
#define EVENT_SNOMED CODE("snomedct_code", SDC_CODE_SNOMEDCT, \
	"The event's SNOMED CT code (NULL when coded in CTV3).")
#define EVENT_CTV3 CODE("ctv3_code", SDC_CODE_CTV3, \
	"The event's CTV3 code (NULL when coded in SNOMED CT).")
#define EVENT_VALUE COL("numeric_value", T_FLOAT, \
	"Numeric value recorded with the event.")
#define CONSULTATION_ID COL("consultation_id", T_INT, \
	"ID of the consultation associated with this event.")

/* ehrql/tables/core.py */

static const struct sdc_schema_column core_patients[] = {
	PATIENTS_COLUMNS
};
static const struct sdc_schema_column core_registrations[] = {
	REGISTRATIONS_COLUMNS
};
static const struct sdc_schema_column core_ons_deaths[] = {
	ONS_DEATHS_COLUMNS
};
static const struct sdc_schema_column core_clinical_events[] = {
	PATIENT_ID_E,
	EVENT_DATE,
	CODE("snomedct_code", SDC_CODE_SNOMEDCT, "The event's SNOMED CT code."),
	EVENT_VALUE
};
static const struct sdc_schema_column core_medications[] = {
	PATIENT_ID_E,
	COL("date", T_DATE, "Date the prescription was issued."),
	CODE("dmd_code", SDC_CODE_DMD, "The medication's dm+d code.")
};

#define D_PATIENTS "Patients in primary care."
#define D_REGISTRATIONS \
	"Each record corresponds to a patient's registration with a practice."
#define D_EVENTS "Each record corresponds to a single clinical or " \
	"consultation event for a patient."
#define D_MEDICATIONS "Medications prescribed in primary care, coded in dm+d."
#define D_ONS_DEATHS "Registered deaths (ONS) from February 2019: date and " \
	"causes of death; the earliest registered death per patient."

static const struct sdc_schema_table core_tables[] = {
	TABLE("core", "clinical_events", NULL, 0, core_clinical_events,
	    D_EVENTS),
	TABLE("core", "medications", NULL, 0, core_medications, D_MEDICATIONS),
	TABLE("core", "ons_deaths", NULL, 1, core_ons_deaths, D_ONS_DEATHS),
	TABLE("core", "patients", NULL, 1, core_patients, D_PATIENTS),
	TABLE("core", "practice_registrations", NULL, 0, core_registrations,
	    D_REGISTRATIONS),
};

/* ehrql/tables/tpp.py */

static const struct sdc_schema_column tpp_addresses[] = {
	PATIENT_ID_E,
	COL("address_id", T_INT, "Unique address identifier."),
	COL("start_date", T_DATE, "Date patient moved to address."),
	COL("end_date", T_DATE, "Date patient moved out of address."),
	CAT("address_type", T_INT, 0, address_type_cats,
	    "Type of address: 0 permanent, 1 temporary, 3 correspondence only."),
	RANGE("rural_urban_classification", 1, 8, 1,
	    "Rural urban classification, 1 (urban major conurbation) to 8 "
	    "(rural village and dispersed in a sparse setting)."),
	RANGE("imd_rounded", 0, 32800, 100,
	    "Index of Multiple Deprivation rank of the LSOA, rounded to the "
	    "nearest 100; lower is more deprived."),
	REGEX("msoa_code", "E020[0-9]{5}",
	    "Middle Layer Super Output Area (MSOA) code."),
	COL("has_postcode", T_BOOL,
	    "Whether a valid postcode is recorded for the patient."),
	COL("care_home_is_potential_match", T_BOOL,
	    "Whether the address matched a care home, by TPP's algorithm."),
	COL("care_home_requires_nursing", T_BOOL,
	    "Whether the address matched a care home that required nursing."),
	COL("care_home_does_not_require_nursing", T_BOOL,
	    "Whether the address matched a care home that did not require "
	    "nursing."),
};
static const struct sdc_schema_column tpp_apcs[] = {
	PATIENT_ID_E,
	COLF("apcs_ident", T_INT, SDC_COL_NOT_NULL,
	    "Unique identifier for the spell used across the APCS tables."),
	COL("admission_date", T_DATE,
	    "The admission date of the hospital provider spell."),
	COL("discharge_date", T_DATE,
	    "The date of discharge from a hospital provider spell."),
	COL("discharge_destination", T_STR,
	    "Where the patient went on discharge (2-character code, e.g. 19 = "
	    "usual place of residence)."),
	COL("discharge_method", T_STR,
	    "Method of discharge (1-character code, e.g. 1 = on clinical "
	    "advice, 4 = died)."),
	COL("spell_core_hrg_sus", T_STR,
	    "The core Healthcare Resource Group (HRG) code for the spell."),
	COL("admission_method", T_STR, "Code identifying admission method."),
	CODE("primary_diagnosis", SDC_CODE_ICD10,
	    "Code indicating primary diagnosis."),
	CODE("secondary_diagnosis", SDC_CODE_ICD10,
	    "The first listed secondary diagnosis."),
	MULTI("all_diagnoses", SDC_CODE_ICD10,
	    "All diagnoses as ICD-10 codes without dots, comma-separated, "
	    "episodes separated by ||; search with contains()."),
	MULTI("all_procedures", SDC_CODE_OPCS4,
	    "All procedures as OPCS-4 codes without dots, comma-separated, "
	    "episodes separated by ||; search with contains()."),
	COL("days_in_critical_care", T_INT,
	    "Number of days (or part-days) spent in critical care."),
	COL("patient_classification", T_STR,
	    "Patient classification (see the APCS data source documentation)."),
};
static const struct sdc_schema_column tpp_clinical_events[] = {
	PATIENT_ID_E,
	EVENT_DATE,
	EVENT_SNOMED,
	EVENT_CTV3,
	EVENT_VALUE,
	CONSULTATION_ID
};
static const struct sdc_schema_column tpp_clinical_events_ranges[] = {
	PATIENT_ID_E,
	EVENT_DATE,
	EVENT_SNOMED,
	EVENT_CTV3,
	EVENT_VALUE,
	COL("lower_bound", T_FLOAT, "The lower bound of the reference range "
	    "associated with the event's numeric_value."),
	COL("upper_bound", T_FLOAT, "The upper bound of the reference range "
	    "associated with the event's numeric_value."),
	CAT("comparator", T_STR, 0, comparator_cats,
	    "The comparator recorded with numeric_value, e.g. '<' for '<9.5'."),
	CONSULTATION_ID
};
static const struct sdc_schema_column tpp_medications[] = {
	PATIENT_ID_E,
	COL("date", T_DATE, "Date the prescription was issued."),
	CODE("dmd_code", SDC_CODE_DMD, "The medication's dm+d code."),
	CONSULTATION_ID
};
static const struct sdc_schema_column tpp_ons_deaths[] = {
	ONS_DEATHS_COLUMNS,
	CAT("place", T_STR, 0, place_cats, "Patient's place of death.")
};
static const struct sdc_schema_column tpp_patients[] = {
	PATIENTS_COLUMNS
};
static const struct sdc_schema_column tpp_registrations[] = {
	REGISTRATIONS_COLUMNS,
	REGEX("practice_stp", "E540000[0-9]{2}",
	    "ONS code of the practice's STP (Sustainability and Transformation "
	    "Partnership)."),
	CAT("practice_nuts1_region_name", T_STR, 0, region_cats,
	    "Name of the NUTS level 1 region of England of the practice."),
	COL("practice_systmone_go_live_date", T_DATE,
	    "Date on which the practice started using SystmOne."),
};
static const struct sdc_schema_column tpp_vaccinations[] = {
	PATIENT_ID_E,
	COL("vaccination_id", T_INT, "Vaccination identifier."),
	COL("date", T_DATE, "The date the vaccination was administered."),
	COL("target_disease", T_STR, "Vaccine's target disease."),
	COL("product_name", T_STR, "Vaccine's product name."),
};

static const struct sdc_schema_table tpp_tables[] = {
	TABLE("tpp", "addresses", NULL, 0, tpp_addresses,
	    "Geographic characteristics of a patient's registered home "
	    "address; one row per address registration period."),
	TABLE("tpp", "apcs", NULL, 0, tpp_apcs,
	    "Admitted Patient Care Spells (NHS Secondary Uses Service): one "
	    "row per in-hospital spell."),
	TABLE("tpp", "clinical_events", NULL, 0, tpp_clinical_events,
	    D_EVENTS " Each event appears twice: once coded in CTV3, once in "
	    "SNOMED CT."),
	TABLE("tpp", "clinical_events_ranges", NULL, 0,
	    tpp_clinical_events_ranges,
	    "Clinical events with the comparator and reference range of their "
	    "numeric_value."),
	TABLE("tpp", "medications", NULL, 0, tpp_medications, D_MEDICATIONS),
	TABLE("tpp", "ons_deaths", NULL, 1, tpp_ons_deaths,
	    D_ONS_DEATHS " With place of death."),
	TABLE("tpp", "patients", NULL, 1, tpp_patients, D_PATIENTS),
	TABLE("tpp", "practice_registrations", NULL, 0, tpp_registrations,
	    D_REGISTRATIONS),
	TABLE("tpp", "vaccinations", NULL, 0, tpp_vaccinations,
	    "Administered vaccinations, by target disease or product name."),
};

/* ehrQL's tests/spec/tables.py */

#define SPEC_COLUMNS_HEAD \
	COL("i1", T_INT, "Integer column 1."), \
	COL("i2", T_INT, "Integer column 2.")
#define SPEC_COLUMNS_TAIL \
	COL("b1", T_BOOL, "Boolean column 1."), \
	COL("b2", T_BOOL, "Boolean column 2."), \
	CODE("c1", SDC_CODE_SNOMEDCT, "SNOMED CT code column."), \
	MULTI("m1", SDC_CODE_ICD10, "ICD-10 multi-code string column."), \
	COL("d1", T_DATE, "Date column 1."), \
	COL("d2", T_DATE, "Date column 2."), \
	COL("s1", T_STR, "String column 1."), \
	COL("s2", T_STR, "String column 2."), \
	COL("f1", T_FLOAT, "Float column 1."), \
	COL("f2", T_FLOAT, "Float column 2.")

static const struct sdc_schema_column spec_p[] = {
	PATIENT_ID_P,
	SPEC_COLUMNS_HEAD,
	SPEC_COLUMNS_TAIL
};
static const struct sdc_schema_column spec_e[] = {
	PATIENT_ID_E,
	SPEC_COLUMNS_HEAD,
	COL("i3", T_INT, "Integer column 3."),
	SPEC_COLUMNS_TAIL
};

static const struct sdc_schema_table spec_tables[] = {
	TABLE("spec", "patient_level_table", "p", 1, spec_p,
	    "Generic patient-level table of ehrQL's spec tests."),
	TABLE("spec", "event_level_table", "e", 0, spec_e,
	    "Generic event-level table of ehrQL's spec tests."),
};

const char *const sdc_schema_modules[] = { "core", "tpp", "spec", NULL };

const struct sdc_schema_table *
sdc_schema_tables(const char *module, size_t *n)
{
	static const struct {
		const char *name;
		const struct sdc_schema_table *tables;
		size_t n;
	} mods[] = {
		{ "core", core_tables, NCOLS(core_tables) },
		{ "tpp", tpp_tables, NCOLS(tpp_tables) },
		{ "spec", spec_tables, NCOLS(spec_tables) },
	};
	size_t i;

	for (i = 0; i < NCOLS(mods); i++)
		if (strcmp(module, mods[i].name) == 0) {
			*n = mods[i].n;
			return mods[i].tables;
		}
	*n = 0;
	return NULL;
}

const struct sdc_schema_table *
sdc_schema_table(const char *module, const char *name)
{
	size_t i, n;
	const struct sdc_schema_table *t = sdc_schema_tables(module, &n);

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0 ||
		    (t[i].alias != NULL && strcmp(t[i].alias, name) == 0))
			return &t[i];
	return NULL;
}

long
sdc_schema_column_index(const struct sdc_schema_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncolumns; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return (long)i;
	return -1;
}

const struct sdc_schema_column *
sdc_schema_column(const struct sdc_schema_table *t, const char *name)
{
	long i = sdc_schema_column_index(t, name);

	return i < 0 ? NULL : &t->columns[i];
}

const char *
sdc_schema_type_name(enum sdc_schema_type type)
{
	switch (type) {
	case SDC_TYPE_BOOL:
		return "bool";
	case SDC_TYPE_INT:
		return "int";
	case SDC_TYPE_FLOAT:
		return "float";
	case SDC_TYPE_STR:
		return "str";
	case SDC_TYPE_DATE:
		return "date";
	case SDC_TYPE_CODE:
		return "code";
	case SDC_TYPE_MULTICODE:
		return "multicode";
	}
	return "?";
}

int
sdc_schema_category_ok(const struct sdc_schema_column *c, const char *s,
    size_t len)
{
	const char *const *p;

	if (!(c->flags & SDC_COL_CATEGORICAL))
		return 1;
	for (p = c->categories; *p != NULL; p++)
		if (strlen(*p) == len && memcmp(*p, s, len) == 0)
			return 1;
	return 0;
}
