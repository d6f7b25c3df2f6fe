# Measures over three months: a bool and an int numerator over the
# living patients by sex and by age band (age at the interval's start),
# and an int numerator over an int denominator on two months.
from ehrql import INTERVAL, case, create_measures, months, when
from ehrql.tables.core import clinical_events, patients

events = clinical_events.where(clinical_events.date.is_during(INTERVAL))
has_event = events.exists_for_patient()
n_events = events.count_for_patient()
alive = patients.exists_for_patient() & (
    patients.date_of_death.is_null()
    | patients.date_of_death.is_after(INTERVAL.start_date)
)
age = patients.age_on(INTERVAL.start_date)
age_group = case(when(age < 40).then("<40"), otherwise="40+")

measures = create_measures()
measures.define_defaults(
    denominator=alive, intervals=months(3).starting_on("2020-01-01")
)
measures.define_measure(
    "has_event", numerator=has_event, group_by={"sex": patients.sex}
)
measures.define_measure(
    "n_events", numerator=n_events, group_by={"age_group": age_group}
)
measures.define_measure(
    "per_patient",
    numerator=n_events * 3,
    denominator=n_events * 4,
    intervals=months(2).starting_on("2020-01-01"),
)
