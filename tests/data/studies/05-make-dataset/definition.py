# The whole dataset comes from a function in a helper module.
from study_lib import make_dataset

dataset = make_dataset("2020-06-01", "2021-06-30")
