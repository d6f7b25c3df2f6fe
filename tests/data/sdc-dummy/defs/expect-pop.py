# Hints on what the population itself needs (cohort-extractor#359):
# women and men aged 40 to 64 with an asthma code in 2020-2022.  The
# hints skew ages (the UK's shape), sex, the asthma dates (a range that
# only half overlaps the window) and codes; the population still holds.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.tpp import patients, clinical_events

index_date = "2023-01-01"
asthma = codelist_from_csv("codelists/asthma.csv", column="code")
age = patients.age_on(index_date)
first_asthma = (
    clinical_events.where(clinical_events.snomedct_code.is_in(asthma))
    .where(clinical_events.date.is_on_or_between("2020-01-01", "2022-12-31"))
    .sort_by(clinical_events.date)
    .first_for_patient()
)
dataset = create_dataset()
dataset.define_population(
    (age >= 40)
    & (age < 65)
    & first_asthma.exists_for_patient()
    & patients.sex.is_in(["female", "male"])
)
dataset.age = age
dataset.sex = patients.sex
dataset.asthma_date = first_asthma.date
dataset.asthma_code = first_asthma.snomedct_code
dataset.configure_dummy_data(
    population_size=1000,
    expectations={
        "age": {"int": {"distribution": "population_ages"}},
        "sex": {"category": {"ratios": {"female": 0.8, "male": 0.2}}},
        "asthma_date": {
            "rate": "uniform",
            "date": {"earliest": "2021-01-01", "latest": "2024-12-31"},
        },
        "asthma_code": {"category": {"ratios": {"300005": 0.5, "30011003": 0.5}}},
    },
)
