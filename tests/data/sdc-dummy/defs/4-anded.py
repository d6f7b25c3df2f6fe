# Three codelists ANDed, each in its own window, and a medication.
from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import clinical_events, medications

asthma = codelist_from_csv("codelists/asthma.csv", column="code")
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
hypertension = codelist_from_csv("codelists/hypertension.csv", column="code")
ics = codelist_from_csv("codelists/ics.csv", column="code")

dataset = create_dataset()
dataset.define_population(
    clinical_events.where(
        clinical_events.snomedct_code.is_in(asthma)
        & clinical_events.date.is_on_or_between("2019-01-01", "2019-03-31")
    ).exists_for_patient()
    & clinical_events.where(
        clinical_events.snomedct_code.is_in(diabetes)
        & clinical_events.date.is_on_or_between("2020-01-01", "2020-01-31")
    ).exists_for_patient()
    & clinical_events.where(
        clinical_events.snomedct_code.is_in(hypertension)
        & clinical_events.date.is_on_or_between("2015-01-01", "2022-12-31")
    ).exists_for_patient()
    & medications.where(medications.dmd_code.is_in(ics))
    .where(medications.date.is_after("2022-01-01"))
    .exists_for_patient()
)
dataset.n_asthma = clinical_events.where(
    clinical_events.snomedct_code.is_in(asthma)
).count_for_patient()
