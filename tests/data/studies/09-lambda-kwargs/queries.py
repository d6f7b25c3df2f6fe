from ehrql.tables.core import clinical_events


def _matching(*codelists, after=None):
    codes = [code for codelist in codelists for code in codelist]
    events = clinical_events.where(clinical_events.snomedct_code.is_in(codes))
    if after is not None:
        events = events.where(events.date.is_after(after))
    return events


def count_events(*codelists, **filters):
    return _matching(*codelists, **filters).count_for_patient()


def last_value(codes, *, column="date", **filters):
    events = _matching(codes, **filters)
    return getattr(events.sort_by(events.date).last_for_patient(), column)
