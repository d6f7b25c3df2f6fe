# Prescription counts in consecutive six-month periods: datetime.date,
# date + months() on literals, zip and enumerate over the periods,
# f-strings with a date format, and date.fromisoformat.
import datetime
from datetime import date

from ehrql import Dataset, days, months
from ehrql.tables.core import medications, patients

start = date(2019, 1, 1)
periods = [start + months(6 * i) for i in range(4)]
end = datetime.date.fromisoformat("2020-12-31")

dataset = Dataset()
dataset.define_population(patients.age_on(start) >= 18)

for i, (lo, hi) in enumerate(zip(periods, periods[1:]), start=1):
    label = f"p{i}_{lo:%Y%m}"
    in_period = medications.date.is_on_or_between(lo, hi - days(1))
    dataset.add_column(
        f"{label}_rx", medications.where(in_period).count_for_patient()
    )

dataset.age_at_end = patients.age_on(end)
dataset.age_plus = patients.age_on(start) + (end - start).days // 365
