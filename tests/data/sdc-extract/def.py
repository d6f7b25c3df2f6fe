# A small study: registered, living patients on an index date, with
# diabetes events (first date, last code and value, count), asthma and
# a medication.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import (
    patients,
    practice_registrations,
    clinical_events,
    medications,
)

index_date = "2020-01-01"
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
asthma = codelist_from_csv("codelists/asthma.csv", column="code")

dataset = create_dataset()
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(index_date)
    & (
        practice_registrations.end_date.is_after(index_date)
        | practice_registrations.end_date.is_null()
    )
).exists_for_patient()
dataset.define_population(registered & patients.date_of_death.is_null())

dataset.age = patients.age_on(index_date)
dataset.sex = patients.sex
dm = clinical_events.where(clinical_events.snomedct_code.is_in(diabetes))
dm = dm.where(dm.date.is_before(index_date))
dataset.dm_first = dm.sort_by(dm.date).first_for_patient().date
last = dm.sort_by(dm.date).last_for_patient()
dataset.dm_last_code = last.snomedct_code
dataset.dm_last_value = last.numeric_value
dataset.dm_count = dm.count_for_patient()
dataset.asthma = clinical_events.where(
    clinical_events.snomedct_code.is_in(asthma)
).exists_for_patient()
dataset.metformin = medications.where(
    medications.dmd_code.is_in(["39113611000001102"])
).exists_for_patient()
