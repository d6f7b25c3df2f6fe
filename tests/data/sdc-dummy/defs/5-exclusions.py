# Diabetes, excluding anyone with asthma or an inhaled corticosteroid,
# and anyone who has died; events coded after the index are ignored.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import patients, clinical_events, medications

index_date = "2022-01-01"
asthma = codelist_from_csv("codelists/asthma.csv", column="code")
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
ics = codelist_from_csv("codelists/ics.csv", column="code")

prior = clinical_events.where(clinical_events.date.is_before(index_date))
dataset = create_dataset()
dataset.define_population(
    prior.where(prior.snomedct_code.is_in(diabetes)).exists_for_patient()
    & ~prior.where(prior.snomedct_code.is_in(asthma)).exists_for_patient()
    & ~medications.where(medications.dmd_code.is_in(ics)).exists_for_patient()
    & patients.date_of_death.is_null()
)
dataset.other_events = prior.except_where(
    prior.snomedct_code.is_in(diabetes)
).count_for_patient()
