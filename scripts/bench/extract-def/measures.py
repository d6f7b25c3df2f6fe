# The sdc-extract --measures benchmark's definition (scripts/bench/measures):
# two measures over the twelve months of 2023 among patients registered
# and alive at each month's start: any hypertension code in the month
# (by sex and age band) and the number of asthma codes (by sex).  The
# parameter --months (default 12) sets how many months, so that the
# bench can time one pass with one interval for scale.
from ehrql import (
    INTERVAL,
    case,
    codelist_from_csv,
    create_measures,
    get_parameter,
    months,
    when,
)
from ehrql.tables.core import clinical_events, patients, practice_registrations

hypertension = codelist_from_csv("codelists/hypertension.csv", column="code")
asthma = codelist_from_csv("codelists/asthma.csv", column="code")

start = INTERVAL.start_date
registered = practice_registrations.where(
    practice_registrations.start_date.is_on_or_before(start)
    & (
        practice_registrations.end_date.is_after(start)
        | practice_registrations.end_date.is_null()
    )
).exists_for_patient()
alive = patients.date_of_death.is_after(start) | patients.date_of_death.is_null()
in_month = clinical_events.where(clinical_events.date.is_during(INTERVAL))
age = patients.age_on(start)
band = case(
    when(age < 18).then("0-17"),
    when(age < 40).then("18-39"),
    when(age < 65).then("40-64"),
    otherwise="65+",
)

measures = create_measures()
measures.define_defaults(
    denominator=registered & alive,
    intervals=months(int(get_parameter("months", default="12"))).starting_on(
        "2023-01-01"
    ),
)
measures.define_measure(
    "hypertension",
    numerator=in_month.where(in_month.snomedct_code.is_in(hypertension)).exists_for_patient(),
    group_by={"sex": patients.sex, "age_band": band},
)
measures.define_measure(
    "asthma_codes",
    numerator=in_month.where(in_month.snomedct_code.is_in(asthma)).count_for_patient(),
    group_by={"sex": patients.sex},
)
