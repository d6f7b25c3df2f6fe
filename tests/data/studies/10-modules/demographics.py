import ehrql.tables.core
from common import *

patients = ehrql.tables.core.patients


def is_adult(on=INDEX_DATE):
    return patients.age_on(on) >= ADULT_AGE
