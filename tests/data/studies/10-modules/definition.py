# Several helper modules importing each other (import X as Y, from X
# import *, a relative import, import ehrql.tables.core), sets, dict
# iteration with setattr, and isinstance.
from ehrql import Dataset

import demographics as demo
import meds
from common import INDEX_DATE

METFORMIN = ["3351211000001107 ", "3351211000001107"]
SALBUTAMOL = ("39113611000001102",)

dataset = Dataset()
dataset.define_population(
    demo.is_adult() & demo.patients.is_alive_on(INDEX_DATE)
)

for label, codes in {"metformin": METFORMIN, "salbutamol": list(SALBUTAMOL)}.items():
    assert isinstance(codes, list), "codes must be a list"
    rx = meds.prescribed(codes)
    setattr(dataset, f"{label}_n", rx.count_for_patient())
    setattr(dataset, f"{label}_first", rx.sort_by(rx.date).first_for_patient().date)

dataset.any_rx_since_2019 = meds.prescribed(
    METFORMIN + list(SALBUTAMOL), since="2019-01-01"
).exists_for_patient()
