# Registered with a practice on an index date (start on or before it,
# end after it or open).
from ehrql import create_dataset
from ehrql.tables.core import patients, practice_registrations

index_date = "2020-03-01"
dataset = create_dataset()
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(index_date)
    & (
        practice_registrations.end_date.is_after(index_date)
        | practice_registrations.end_date.is_null()
    )
).exists_for_patient()
dataset.define_population(registered)
dataset.practice = practice_registrations.for_patient_on(index_date).practice_pseudo_id
dataset.age = patients.age_on(index_date)
