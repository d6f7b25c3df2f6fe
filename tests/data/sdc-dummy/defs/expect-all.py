# Expectations of every kind (cohort-extractor's keys), on a population
# that leaves the hinted variables free: ages, sex ratios, deaths in a
# window, a first asthma code with its date, the latest HbA1c value, and
# days in critical care of a recent hospital stay (a date window that
# must not dilute the incidence, cohort-extractor#94).
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.tpp import patients, clinical_events, apcs

index_date = "2023-04-01"
asthma = codelist_from_csv("codelists/asthma.csv", column="code")
hba1c = codelist_from_csv("codelists/hba1c.csv", column="code")
first_asthma = (
    clinical_events.where(clinical_events.snomedct_code.is_in(asthma))
    .sort_by(clinical_events.date)
    .first_for_patient()
)
latest_hba1c = (
    clinical_events.where(clinical_events.snomedct_code.is_in(hba1c))
    .sort_by(clinical_events.date)
    .last_for_patient()
)
recent_stay = (
    apcs.where(apcs.admission_date.is_on_or_after("2024-06-01"))
    .sort_by(apcs.admission_date)
    .last_for_patient()
)
dataset = create_dataset()
dataset.define_population(
    patients.exists_for_patient()
    & (patients.date_of_death.is_null() | (patients.date_of_death > index_date))
)
dataset.age = patients.age_on(index_date)
dataset.sex = patients.sex
dataset.died = patients.date_of_death
dataset.asthma_date = first_asthma.date
dataset.asthma_code = first_asthma.snomedct_code
dataset.hba1c = latest_hba1c.numeric_value
dataset.icu_days = recent_stay.days_in_critical_care
dataset.configure_dummy_data(
    population_size=2000,
    expectations={
        "age": {"int": {"distribution": "normal", "mean": 50, "stddev": 10}},
        "sex": {
            "category": {
                "ratios": {"female": 0.3, "male": 0.6, "intersex": 0.05, "unknown": 0.05}
            }
        },
        "died": {
            "incidence": 0.2,
            "rate": "uniform",
            "date": {"earliest": "2023-05-01", "latest": "2024-12-31"},
        },
        "asthma_date": {
            "incidence": 0.3,
            "rate": "exponential_increase",
            "date": {"earliest": "2015-01-01", "latest": "2024-12-31"},
        },
        "asthma_code": {"category": {"ratios": {"300005": 0.8, "30011003": 0.2}}},
        "hba1c": {
            "incidence": 0.6,
            "float": {"distribution": "normal", "mean": 42, "stddev": 6},
        },
        "icu_days": {"incidence": 0.4, "int": {"distribution": "poisson", "mean": 3}},
    },
)
