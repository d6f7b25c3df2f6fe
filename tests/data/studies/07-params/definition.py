# Parameters with defaults (this study passes --start_year 2020 in
# args), if/else statements and conditional expressions on plain
# values, and int/float/str conversions.
from datetime import date

from ehrql import create_dataset, get_parameter, years
from ehrql.tables.core import clinical_events, patients

start_year = get_parameter("start_year", type=int, default=2019)
include_dead = get_parameter("include_dead", type=bool, default=False)
threshold = float(get_parameter("bmi_threshold", default="30"))

if start_year < 2020:
    window_years = 2
else:
    window_years = 1
index_date = date(int(str(start_year)), 1, 1)
end_date = index_date + years(window_years)

dataset = create_dataset()
population = patients.exists_for_patient()
if not include_dead:
    population = population & patients.date_of_death.is_null()
dataset.define_population(population)

code = "60621009" if threshold > 0 else None
bmi = clinical_events.where(clinical_events.snomedct_code == code)
bmi = bmi.where(
    bmi.date.is_on_or_after(index_date) & bmi.date.is_before(end_date)
)
dataset.max_bmi = bmi.numeric_value.maximum_for_patient()
dataset.obese = dataset.max_bmi >= threshold
