# order-a.py with its variables (and so its tables) in another order.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import practice_registrations, clinical_events, patients

diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
dataset = create_dataset()
dataset.sex = patients.sex
dataset.practice = practice_registrations.for_patient_on("2020-01-01").practice_pseudo_id
dataset.dm = clinical_events.where(clinical_events.snomedct_code.is_in(diabetes)).count_for_patient()
dataset.define_population(patients.exists_for_patient() & patients.date_of_death.is_null())
