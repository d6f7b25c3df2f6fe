# Simplest: everyone alive, with sex and date of birth.
from ehrql import create_dataset
from ehrql.tables.core import patients

dataset = create_dataset()
dataset.define_population(patients.exists_for_patient() & patients.date_of_death.is_null())
dataset.sex = patients.sex
dataset.date_of_birth = patients.date_of_birth
