# A worked example: adults registered with a practice and alive on
# 1 April 2023, with their age, sex, hypertension and diabetes history,
# recent asthma activity, inhaled corticosteroids and latest HbA1c.
#
#   sdc-extract -o dataset.csv --tables tables definition.py
#
# (run from this folder: codelists are read relative to it).  The output
# must equal expected.csv; see README.md.  The codes are synthetic.
from ehrql import create_dataset, codelist_from_csv, case, when, days, years
from ehrql.tables.core import (
    patients,
    practice_registrations,
    clinical_events,
    medications,
)

index_date = "2023-04-01"

hypertension_codes = codelist_from_csv("codelists/hypertension.csv", column="code")
diabetes_codes = codelist_from_csv("codelists/diabetes.csv", column="code")
asthma_codes = codelist_from_csv("codelists/asthma.csv", column="code")
hba1c_codes = codelist_from_csv("codelists/hba1c.csv", column="code")
ics_codes = codelist_from_csv("codelists/inhaled-corticosteroids.csv", column="code")

dataset = create_dataset()

# Population: registered on the index date (a registration that started
# on or before it and ends after it or not at all), alive on it, adult.
age = patients.age_on(index_date)
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(index_date)
    & (
        practice_registrations.end_date.is_after(index_date)
        | practice_registrations.end_date.is_null()
    )
).exists_for_patient()
alive = patients.date_of_death.is_after(index_date) | patients.date_of_death.is_null()
dataset.define_population(registered & alive & (age >= 18))

dataset.age = age
dataset.age_band = case(
    when(age < 40).then("18-39"),
    when(age < 60).then("40-59"),
    when(age < 80).then("60-79"),
    otherwise="80+",
)
dataset.sex = patients.sex

# Hypertension: the first code on or before the index date (on a tie, the
# code that sorts first as a string) and how many such codes.
prior_hypertension = clinical_events.where(
    clinical_events.snomedct_code.is_in(hypertension_codes)
).where(clinical_events.date.is_on_or_before(index_date))
first_hypertension = prior_hypertension.sort_by(clinical_events.date).first_for_patient()
dataset.hypertension_first_date = first_hypertension.date
dataset.hypertension_first_code = first_hypertension.snomedct_code
dataset.hypertension_count = prior_hypertension.count_for_patient()

# Diabetes: the date first recorded, on or before the index date.
dataset.diabetes_first_date = (
    clinical_events.where(clinical_events.snomedct_code.is_in(diabetes_codes))
    .where(clinical_events.date.is_on_or_before(index_date))
    .sort_by(clinical_events.date)
    .first_for_patient()
    .date
)

# Asthma codes in the year up to and including the index date.
dataset.asthma_count_last_year = (
    clinical_events.where(clinical_events.snomedct_code.is_in(asthma_codes))
    .where(clinical_events.date.is_on_or_between(index_date - years(1), index_date))
    .count_for_patient()
)

# Any inhaled corticosteroid issued in the 180 days up to the index date.
dataset.ics_last_180_days = (
    medications.where(medications.dmd_code.is_in(ics_codes))
    .where(medications.date.is_on_or_between(index_date - days(180), index_date))
    .exists_for_patient()
)

# The latest HbA1c on or before the index date: its date and value (on a
# tie, the largest value; empty when no test on that date has a value).
latest_hba1c = (
    clinical_events.where(clinical_events.snomedct_code.is_in(hba1c_codes))
    .where(clinical_events.date.is_on_or_before(index_date))
    .sort_by(clinical_events.date)
    .last_for_patient()
)
dataset.hba1c_date = latest_hba1c.date
dataset.hba1c_value = latest_hba1c.numeric_value
