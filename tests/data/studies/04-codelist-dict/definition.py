# One count and one last date per condition, from a dict of codelists
# iterated in sorted order with add_column and f-string names, and the
# latest condition's group from a codelist with categories.
from ehrql import Dataset, codelist_from_csv
from ehrql.tables.core import clinical_events, patients

CONDITIONS = {
    "hypertension": "codelists/hypertension.csv",
    "asthma": "codelists/asthma.csv",
    "diabetes": "codelists/diabetes.csv",
}

codelists = {
    name: codelist_from_csv(path, column="code")
    for name, path in CONDITIONS.items()
}
groups = codelist_from_csv(
    "codelists/condition_groups.csv", column="code", category_column="group"
)

dataset = Dataset()
dataset.define_population(
    patients.exists_for_patient() & patients.date_of_death.is_null()
)

for name in sorted(codelists):
    matching = clinical_events.where(
        clinical_events.snomedct_code.is_in(codelists[name])
    )
    dataset.add_column(f"{name}_count", matching.count_for_patient())
    last = matching.sort_by(matching.date).last_for_patient()
    dataset.add_column(f"{name}_last", last.date)

in_groups = clinical_events.where(clinical_events.snomedct_code.is_in(groups))
latest = in_groups.sort_by(in_groups.date).last_for_patient()
dataset.latest_group = latest.snomedct_code.to_category(groups)
