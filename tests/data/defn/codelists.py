# A sibling module of the test definitions: codelists and shared values.
from ehrql import codelist_from_csv

asthma = codelist_from_csv("asthma.csv", column="code")
asthma_cats = codelist_from_csv(
    "asthma.csv", column="code", category_column="category"
)
index_date = "2020-03-01"
_private = 1
