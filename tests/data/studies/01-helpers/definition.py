# Registered, living patients on the index date with their age band
# and first asthma and diabetes dates, built from helper functions
# (defaults, keywords, early return) in a variables library.
from ehrql import Dataset
from ehrql.tables.core import patients
from variables_lib import (
    age_as_of,
    age_band,
    first_matching_event,
    registered_on,
)

import codelists

index_date = "2020-01-01"

dataset = Dataset()
dataset.define_population(
    registered_on(index_date) & patients.is_alive_on(index_date)
)
dataset.age = age_as_of(index_date)
dataset.age_band = age_band(dataset.age)
dataset.first_asthma = first_matching_event(codelists.asthma).date
dataset.first_diabetes_before = first_matching_event(
    codelists.diabetes, on_or_before=index_date
).date
