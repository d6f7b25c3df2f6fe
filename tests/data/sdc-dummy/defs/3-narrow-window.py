# A diabetes code within one week.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import clinical_events

diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
dataset = create_dataset()
dm = clinical_events.where(clinical_events.snomedct_code.is_in(diabetes)).where(
    clinical_events.date.is_on_or_between("2021-06-01", "2021-06-07")
)
dataset.define_population(dm.exists_for_patient())
dataset.dm_date = dm.sort_by(dm.date).first_for_patient().date
dataset.dm_code = dm.sort_by(dm.date).first_for_patient().snomedct_code
