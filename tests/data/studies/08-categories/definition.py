# Categories: case() clauses built by comprehensions and passed with *,
# sorted() with a key, max() on plain values, and to_category.
from ehrql import Dataset, case, codelist_from_csv, when
from ehrql.tables.core import clinical_events, patients

BANDS = [(0, 18), (18, 40), (40, 65), (65, 120)]
BMI_CUTS = {"overweight": 25.0, "obese": 30.0, "healthy": 18.5}

age = patients.age_on("2020-01-01")
dataset = Dataset()
dataset.define_population(patients.exists_for_patient())

top = max(hi for _, hi in BANDS)
dataset.age_band = case(
    *[
        when((age >= lo) & (age < hi)).then(f"{lo}-{hi - 1}")
        for lo, hi in BANDS
        if hi <= top
    ],
    otherwise="unknown",
)

bmi = (
    clinical_events.where(clinical_events.snomedct_code == "60621009")
    .sort_by(clinical_events.date)
    .last_for_patient()
    .numeric_value
)
cuts = sorted(BMI_CUTS.items(), key=lambda kv: -kv[1])
dataset.bmi_group = case(
    *[when(bmi >= cut).then(name) for name, cut in cuts],
    otherwise="underweight or missing",
)

groups = codelist_from_csv(
    "codelists/condition_groups.csv", column="code", category_column="group"
)
grouped = clinical_events.where(clinical_events.snomedct_code.is_in(groups))
first = grouped.sort_by(grouped.date).first_for_patient()
dataset.first_group = first.snomedct_code.to_category(groups)
dataset.n_events = clinical_events.count_for_patient() + min(len(BANDS), 0)
