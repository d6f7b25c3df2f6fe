# The sdc-extract benchmark's dataset definition (scripts/bench/extract):
# ten variables of the shapes most studies use, over the tables that
# gen-ehr writes.  extract.sql beside it is the same query for DuckDB;
# the two must give byte-identical CSV.  The codelists are gen-ehr's
# (`gen-ehr --codelists DIR`): synthetic codes, not for research.
from ehrql import create_dataset, codelist_from_csv, years
from ehrql.tables.core import (
    clinical_events,
    medications,
    patients,
    practice_registrations,
)

index_date = "2024-01-01"

hypertension = codelist_from_csv("codelists/hypertension.csv", column="code")
asthma = codelist_from_csv("codelists/asthma.csv", column="code")
hba1c = codelist_from_csv("codelists/hba1c.csv", column="code")
inhaled_corticosteroids = codelist_from_csv(
    "codelists/inhaled-corticosteroids.csv", column="code"
)

dataset = create_dataset()

# Registered on the index date (the shape of practice_registrations.spanning)
# and alive on it (the shape of patients.is_alive_on).
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(index_date)
    & (
        practice_registrations.end_date.is_after(index_date)
        | practice_registrations.end_date.is_null()
    )
).exists_for_patient()
alive = patients.date_of_death.is_after(index_date) | patients.date_of_death.is_null()
dataset.define_population(registered & alive)

# The practice on the index date (the shape of
# practice_registrations.for_patient_on): the latest start, then the
# latest end, then the highest practice id.
registration = (
    practice_registrations.where(
        practice_registrations.start_date.is_on_or_before(index_date)
    )
    .except_where(practice_registrations.end_date.is_before(index_date))
    .sort_by(
        practice_registrations.start_date,
        practice_registrations.end_date,
        practice_registrations.practice_pseudo_id,
    )
    .last_for_patient()
)
dataset.practice = registration.practice_pseudo_id

dataset.age = patients.age_on(index_date)
dataset.sex = patients.sex

# First and last hypertension code before the index date: date and code.
# Ties on date are broken by the code (ehrQL sorts on every selected
# column), as strings.
prior_hypertension = clinical_events.where(
    clinical_events.snomedct_code.is_in(hypertension)
).where(clinical_events.date.is_before(index_date))
first_hypertension = prior_hypertension.sort_by(clinical_events.date).first_for_patient()
last_hypertension = prior_hypertension.sort_by(clinical_events.date).last_for_patient()
dataset.htn_first_date = first_hypertension.date
dataset.htn_first_code = first_hypertension.snomedct_code
dataset.htn_last_date = last_hypertension.date
dataset.htn_last_code = last_hypertension.snomedct_code

# Asthma codes in the year before the index date.
dataset.asthma_count = (
    clinical_events.where(clinical_events.snomedct_code.is_in(asthma))
    .where(clinical_events.date.is_on_or_after(index_date - years(1)))
    .where(clinical_events.date.is_before(index_date))
    .count_for_patient()
)

# Any inhaled corticosteroid issued in the year up to the index date.
dataset.ics_last_year = (
    medications.where(medications.dmd_code.is_in(inhaled_corticosteroids))
    .where(medications.date.is_on_or_between(index_date - years(1), index_date))
    .exists_for_patient()
)

# The value of the latest HbA1c on or before the index date (on a tie, the
# largest value; an empty value only when every tied value is empty).
dataset.hba1c_latest = (
    clinical_events.where(clinical_events.snomedct_code.is_in(hba1c))
    .where(clinical_events.date.is_on_or_before(index_date))
    .sort_by(clinical_events.date)
    .last_for_patient()
    .numeric_value
)
