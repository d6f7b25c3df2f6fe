# Query helpers taking *codelists and **filters, keyword-only
# parameters, lambda with filter and map, tuple unpacking and slices.
from ehrql import create_dataset
from ehrql.tables.core import patients
from queries import count_events, last_value

SPECS = [
    ("asthma", "195967001"),
    ("copd", "13645005"),
    ("bmi", "60621009"),
    ("unused", "999999999"),
]

dataset = create_dataset()
dataset.define_population(patients.sex.is_in(["female", "male"]))

wanted = list(filter(lambda spec: spec[0] != "unused", SPECS))
for name, code in wanted[:2]:
    dataset.add_column(f"n_{name}", count_events([code], after="2017-01-01"))

options = {"column": "numeric_value", "after": "2020-01-01"}
bmi_codes = [code for name, code in wanted if name == "bmi"]
dataset.bmi_since_2020 = last_value(bmi_codes, **options)

names = list(map(lambda spec: spec[0].upper(), wanted))
all_codes = [[code] for _, code in wanted]
dataset.add_column("_".join(names).lower(), count_events(*all_codes))
