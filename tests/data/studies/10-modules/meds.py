from .common import INDEX_DATE
from ehrql.tables import tpp as schema


def prescribed(codes, since=INDEX_DATE):
    rx = schema.medications
    seen = set()
    for code in codes:
        seen.add(code.strip())
    return rx.where(rx.dmd_code.is_in(sorted(seen))).where(
        rx.date.is_on_or_after(since)
    )
