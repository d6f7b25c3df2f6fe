# A helper module for t_defn: functions that call each other, one of
# which fails on a frame that has no such column.
from ehrql.tables.spec import e


def _inner(cond):
    return e.where(cond).no_such_column


def outer(cond):
    return _inner(cond)


def first_of(codes, where=True, *, column="i1"):
    rows = e.where(where).where(getattr(e, column).is_in(codes))
    return rows.sort_by(e.i1).first_for_patient()
