# Registered with one practice throughout 2019-2023, with at least three
# hypertension codes while registered.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import clinical_events, practice_registrations

hypertension = codelist_from_csv("codelists/hypertension.csv", column="code")
spanning = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before("2019-01-01")
    & (
        practice_registrations.end_date.is_null()
        | practice_registrations.end_date.is_on_or_after("2023-12-31")
    )
)
dataset = create_dataset()
dataset.define_population(
    spanning.exists_for_patient()
    & (
        clinical_events.where(clinical_events.snomedct_code.is_in(hypertension))
        .where(clinical_events.date.is_on_or_between("2019-01-01", "2023-12-31"))
        .count_for_patient()
        >= 3
    )
)
dataset.practice = spanning.sort_by(spanning.start_date).last_for_patient().practice_pseudo_id
