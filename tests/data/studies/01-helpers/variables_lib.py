"""Reusable variables, in the style of a study's variables library."""
from ehrql import case, when
from ehrql.tables.core import clinical_events, patients, practice_registrations


def age_as_of(date):
    return (date - patients.date_of_birth).years


def registered_on(date):
    regs = practice_registrations
    current = regs.start_date.is_on_or_before(date) & (
        regs.end_date.is_after(date) | regs.end_date.is_null()
    )
    return regs.where(current).exists_for_patient()


def first_matching_event(codelist, where=True, on_or_before=None):
    events = clinical_events.where(
        clinical_events.snomedct_code.is_in(codelist)
    ).where(where)
    if on_or_before is None:
        return events.sort_by(events.date).first_for_patient()
    events = events.where(events.date.is_on_or_before(on_or_before))
    return events.sort_by(events.date).first_for_patient()


def age_band(age):
    return case(
        when(age < 40).then("0-39"),
        when(age < 65).then("40-64"),
        otherwise="65+",
    )
