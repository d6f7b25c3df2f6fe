# Women aged 40 to 44 on an index date.
from ehrql import create_dataset
from ehrql.tables.core import patients

index_date = "2023-04-01"
age = patients.age_on(index_date)
dataset = create_dataset()
dataset.define_population((age >= 40) & (age < 45) & (patients.sex == "female"))
dataset.age = age
