# Measures for sdc-dummy: asthma events in each month of 2022 among
# the living patients with a diabetes code in the month, by sex, and
# the number of asthma events per patient with any in each month of the summer.
from ehrql import INTERVAL, codelist_from_csv, create_measures, months
from ehrql.tables.core import clinical_events, patients

asthma = codelist_from_csv("codelists/asthma.csv", column="code")
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
during = clinical_events.where(clinical_events.date.is_during(INTERVAL))
dm = during.where(during.snomedct_code.is_in(diabetes))
ast = during.where(during.snomedct_code.is_in(asthma))
alive = patients.date_of_death.is_null() | patients.date_of_death.is_after(
    INTERVAL.end_date
)

measures = create_measures()
measures.configure_dummy_data(population_size=40)
measures.define_measure(
    "asthma_in_diabetes",
    numerator=ast.exists_for_patient(),
    denominator=dm.exists_for_patient() & alive,
    group_by={"sex": patients.sex},
    intervals=months(12).starting_on("2022-01-01"),
)
measures.define_measure(
    "asthma_events",
    numerator=ast.count_for_patient(),
    denominator=ast.count_for_patient(),
    intervals=months(3).starting_on("2022-06-01"),
)
