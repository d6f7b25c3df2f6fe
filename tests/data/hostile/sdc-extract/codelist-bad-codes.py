# where: badcode.csv
from ehrql import create_dataset
from ehrql.tables.core import patients
dataset = create_dataset()
dataset.define_population(patients.exists_for_patient())
from ehrql import codelist_from_csv
from ehrql.tables.core import clinical_events
c = codelist_from_csv("../../defn/badcode.csv", column="code")
dataset.x = clinical_events.where(clinical_events.snomedct_code.is_in(c)).exists_for_patient()
