# Patients with any of three conditions: functools.reduce over
# operator.or_ / operator.and_, a dict comprehension of codelists read
# from many files, and codelists joined with +.
import operator
from functools import reduce

from ehrql import codelist_from_csv, create_dataset
from ehrql.tables.core import clinical_events, medications


def any_of(conditions):
    return reduce(operator.or_, conditions)


def all_of(conditions):
    return reduce(operator.and_, conditions)


codes = {
    name: codelist_from_csv(f"codelists/{name}.csv", column="code")
    for name in ["asthma", "copd", "hypertension"]
}
respiratory = codes["asthma"] + codes["copd"]
has = {
    name: clinical_events.where(
        clinical_events.snomedct_code.is_in(codelist)
    ).exists_for_patient()
    for name, codelist in codes.items()
}

dataset = create_dataset()
dataset.define_population(any_of(list(has.values())))
dataset.respiratory = clinical_events.where(
    clinical_events.snomedct_code.is_in(respiratory)
).count_for_patient()
dataset.resp_and_htn = all_of(
    [has["hypertension"], any_of([has["asthma"], has["copd"]])]
)
dataset.on_salbutamol = medications.where(
    medications.dmd_code.is_in(["39113611000001102"])
).exists_for_patient()
