# A population no patient can be in: sdc-dummy must say so and stop.
from ehrql import create_dataset
from ehrql.tables.core import patients

dataset = create_dataset()
dead = patients.date_of_death.is_not_null()
dataset.define_population(
    dead
    & patients.date_of_death.is_null()
)
dataset.sex = patients.sex
