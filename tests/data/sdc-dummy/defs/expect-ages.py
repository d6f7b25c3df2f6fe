# Ages shaped like the UK population (population_ages), over everyone
# alive on the anchor date.
from ehrql import create_dataset
from ehrql.tables.core import patients

dataset = create_dataset()
dataset.define_population(patients.exists_for_patient() & patients.date_of_death.is_null())
dataset.age = patients.age_on("2025-01-01")
dataset.configure_dummy_data(
    population_size=2000,
    expectations={"age": {"int": {"distribution": "population_ages"}}},
)
