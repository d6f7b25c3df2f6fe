from ehrql import codelist_from_csv

diabetes = codelist_from_csv("codelists/diabetes.csv", column="code")
hypertension = codelist_from_csv("codelists/hypertension.csv", column="code")
bmi = codelist_from_csv("codelists/bmi.csv", column="code")
