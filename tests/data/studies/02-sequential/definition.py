# Vaccination dates as numbered variables made in a loop (setattr with
# str.format names, getattr on column names), and a dose count per
# product added with f-string names.
from ehrql import create_dataset
from ehrql.tables import tpp as schema
from vaccines import add_sequential_dates

dataset = create_dataset()
dataset.define_population(schema.patients.exists_for_patient())

vax = schema.vaccinations
covid = vax.where(vax.target_disease == "SARS-2 CORONAVIRUS")
add_sequential_dates(dataset, "covid_vax_{n}_date", covid, "date", 3)

for product in ["Pfizer", "AstraZeneca"]:
    doses = covid.where(covid.product_name == product)
    dataset.add_column(f"{product.lower()}_doses", doses.count_for_patient())
