# One definition written in two orders (see order-b.py): the tables
# sdc-dummy makes must not depend on it.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import patients, clinical_events, practice_registrations

diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient() & patients.date_of_death.is_null())
dataset.dm = clinical_events.where(clinical_events.snomedct_code.is_in(diabetes)).count_for_patient()
dataset.practice = practice_registrations.for_patient_on("2020-01-01").practice_pseudo_id
dataset.sex = patients.sex
