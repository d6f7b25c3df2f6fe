# An incidence whose patients pass the population less often: the dead
# pass only when male, so aiming half the patients at a death would
# leave fewer than half of the population dead.  The generator learns
# the pass rates and aims more (cohort-extractor#94: the incidence is
# the population's, not that of all patients made).
from ehrql import create_dataset
from ehrql.tables.core import patients

dataset = create_dataset()
dataset.define_population(
    patients.exists_for_patient()
    & (patients.date_of_death.is_null() | (patients.sex == "male"))
)
dataset.died = patients.date_of_death
dataset.sex = patients.sex
dataset.configure_dummy_data(
    population_size=4000,
    expectations={
        "died": {
            "incidence": 0.5,
            "rate": "uniform",
            "date": {"earliest": "2020-01-01", "latest": "2024-12-31"},
        }
    },
)
