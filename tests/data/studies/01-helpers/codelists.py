from ehrql import codelist_from_csv

asthma = codelist_from_csv("codelists/asthma.csv", column="code")
diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
