"""make_dataset(index_date, end_date): nested helpers that close over
the function's parameters and its dataset."""
from ehrql import Dataset, minimum_of, months
from ehrql.tables.core import clinical_events, patients, practice_registrations

import codelists


def make_dataset(index_date, end_date, *, lookback=months(12)):
    dataset = Dataset()
    registered = practice_registrations.for_patient_on(index_date)
    dataset.define_population(
        registered.exists_for_patient() & patients.is_alive_on(index_date)
    )

    def in_window(codelist):
        events = clinical_events.where(
            clinical_events.snomedct_code.is_in(codelist)
        )
        return events.where(
            events.date.is_on_or_between(index_date - lookback, end_date)
        )

    def first(codelist):
        events = in_window(codelist)
        return events.sort_by(events.date).first_for_patient()

    def had(codelist):
        return in_window(codelist).exists_for_patient()

    dataset.diabetes_date = first(codelists.diabetes).date
    dataset.bmi_first = first(codelists.bmi).numeric_value
    dataset.hypertension = had(codelists.hypertension)
    end = minimum_of(patients.date_of_death, end_date)
    dataset.followup_days = (end - index_date).days
    return dataset
