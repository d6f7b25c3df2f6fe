# A complete definition, read from a file.
from ehrql import create_dataset, days
from ehrql.tables.core import patients, practice_registrations, clinical_events
from codelists import asthma, index_date

dataset = create_dataset()
registered = practice_registrations.for_patient_on(index_date).exists_for_patient()
dataset.define_population(registered & patients.is_alive_on(index_date))
dataset.age = patients.age_on(index_date)
dataset.sex = patients.sex
dataset.asthma_count = clinical_events.where(
    clinical_events.snomedct_code.is_in(asthma)
).where(clinical_events.date.is_on_or_before(index_date)).count_for_patient()
dataset.configure_dummy_data(population_size=500)
