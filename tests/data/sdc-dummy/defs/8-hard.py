# The hardest: registered throughout a year, a narrow age band of men,
# alive, a diabetes code in a 30-day window, the latest HbA1c before the
# index over 48, at least two asthma codes in the year before, no
# inhaled corticosteroid in the last 90 days, and not dead by ONS.
from ehrql import create_dataset, codelist_from_csv, days, years
from ehrql.tables.tpp import (
    patients, practice_registrations, clinical_events, medications, ons_deaths,
)

index_date = "2021-04-01"
asthma = codelist_from_csv("codelists/asthma.csv", column="code")
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
hba1c = codelist_from_csv("codelists/hba1c.csv", column="code")
ics = codelist_from_csv("codelists/ics.csv", column="code")

age = patients.age_on(index_date)
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(index_date - years(1))
    & (
        practice_registrations.end_date.is_null()
        | practice_registrations.end_date.is_after(index_date)
    )
).exists_for_patient()
dm = clinical_events.where(clinical_events.snomedct_code.is_in(diabetes)).where(
    clinical_events.date.is_on_or_between(index_date - days(30), index_date)
)
latest_hba1c = (
    clinical_events.where(clinical_events.snomedct_code.is_in(hba1c))
    .where(clinical_events.date.is_before(index_date))
    .sort_by(clinical_events.date)
    .last_for_patient()
)
asthma_year = clinical_events.where(clinical_events.snomedct_code.is_in(asthma)).where(
    clinical_events.date.is_on_or_between(index_date - years(1), index_date)
)
recent_ics = medications.where(medications.dmd_code.is_in(ics)).where(
    medications.date.is_on_or_between(index_date - days(90), index_date)
)
dataset = create_dataset()
dataset.define_population(
    registered
    & (age >= 50) & (age <= 54)
    & (patients.sex == "male")
    & patients.date_of_death.is_null()
    & ons_deaths.date.is_null()
    & dm.exists_for_patient()
    & (latest_hba1c.numeric_value > 48)
    & (asthma_year.count_for_patient() >= 2)
    & ~recent_ics.exists_for_patient()
)
dataset.age = age
dataset.hba1c = latest_hba1c.numeric_value
dataset.hba1c_date = latest_hba1c.date
dataset.region = practice_registrations.for_patient_on(index_date).practice_nuts1_region_name
dataset.configure_dummy_data(population_size=50)
