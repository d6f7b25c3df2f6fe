from ehrql import create_dataset
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
dataset.x = patients.date_of_birth.year + 99999999999999999999999
