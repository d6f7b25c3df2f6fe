-- expected.sql: definition.py (beside it) written by hand as one DuckDB
-- query; its output is expected.csv, the golden file for sdc-extract.
-- Run from the repository root (see README.md):
--
--   NODE_PATH=build/bench/node/node_modules node scripts/bench/duckdb-extract.mjs \
--       2 examples/study/tables examples/study/codelists \
--       examples/study/expected.sql examples/study/expected.csv
--
-- duckdb-extract.mjs makes the views patients, practice_registrations,
-- clinical_events, medications (codes as VARCHAR) and the tables codelist_<name>
-- (column code) for codelists/<name>.csv, '-' read as '_'.
--
-- Index date 2023-04-01; index_date - years(1) = 2022-04-01;
-- index_date - days(180) = 2022-10-03.
WITH
-- ehrQL's population is drawn from the patients with a row in a table
-- the population reads; a NULL condition (no patients row: age NULL)
-- leaves the patient out.
universe AS (
    SELECT patient_id FROM patients
    UNION
    SELECT patient_id FROM practice_registrations
),
registered AS (
    SELECT DISTINCT patient_id
    FROM practice_registrations
    WHERE start_date <= DATE '2023-04-01'
      AND (end_date > DATE '2023-04-01' OR end_date IS NULL)
),
-- (end - start).years: whole calendar years, as in ehrQL (a 29 February
-- birthday falls on 1 March in other years).
person AS (
    SELECT u.patient_id, p.sex,
        year(DATE '2023-04-01') - year(p.date_of_birth)
            - CASE WHEN (4, 1) < (month(p.date_of_birth), day(p.date_of_birth))
                   THEN 1 ELSE 0 END AS age,
        p.date_of_death
    FROM universe u
    LEFT JOIN patients p ON p.patient_id = u.patient_id
),
population AS (
    SELECT person.*
    FROM person
    JOIN registered r ON r.patient_id = person.patient_id
    WHERE (date_of_death > DATE '2023-04-01' OR date_of_death IS NULL)
      AND age >= 18
),
prior_hypertension AS (
    SELECT patient_id, date, snomedct_code
    FROM clinical_events
    WHERE snomedct_code IN (SELECT code FROM codelist_hypertension)
      AND date <= DATE '2023-04-01'
),
-- first_for_patient: the sort_by keys, then the other selected columns
-- (here snomedct_code) by name; NULLs first; codes compare as strings.
first_hypertension AS (
    SELECT patient_id, date, snomedct_code
    FROM prior_hypertension
    QUALIFY row_number() OVER (PARTITION BY patient_id
        ORDER BY date ASC NULLS FIRST, snomedct_code ASC NULLS FIRST) = 1
),
hypertension_count AS (
    SELECT patient_id, count(*) AS n FROM prior_hypertension GROUP BY patient_id
),
diabetes_first AS (
    SELECT patient_id, min(date) AS date
    FROM clinical_events
    WHERE snomedct_code IN (SELECT code FROM codelist_diabetes)
      AND date <= DATE '2023-04-01'
    GROUP BY patient_id
),
asthma_count AS (
    SELECT patient_id, count(*) AS n
    FROM clinical_events
    WHERE snomedct_code IN (SELECT code FROM codelist_asthma)
      AND date BETWEEN DATE '2022-04-01' AND DATE '2023-04-01'
    GROUP BY patient_id
),
ics AS (
    SELECT DISTINCT patient_id
    FROM medications
    WHERE dmd_code IN (SELECT code FROM codelist_inhaled_corticosteroids)
      AND date BETWEEN DATE '2022-10-03' AND DATE '2023-04-01'
),
-- last_for_patient reverses every key: date, then numeric_value (the
-- other selected column), both DESC NULLS LAST.
latest_hba1c AS (
    SELECT patient_id, date, numeric_value
    FROM clinical_events
    WHERE snomedct_code IN (SELECT code FROM codelist_hba1c)
      AND date <= DATE '2023-04-01'
    QUALIFY row_number() OVER (PARTITION BY patient_id
        ORDER BY date DESC NULLS LAST, numeric_value DESC NULLS LAST) = 1
)
SELECT
    CAST(pop.patient_id AS VARCHAR) AS patient_id,
    CAST(pop.age AS VARCHAR) AS age,
    CASE WHEN pop.age < 40 THEN '18-39'
         WHEN pop.age < 60 THEN '40-59'
         WHEN pop.age < 80 THEN '60-79'
         ELSE '80+' END AS age_band,
    pop.sex AS sex,
    CAST(fh.date AS VARCHAR) AS hypertension_first_date,
    fh.snomedct_code AS hypertension_first_code,
    CAST(coalesce(hc.n, 0) AS VARCHAR) AS hypertension_count,
    CAST(df.date AS VARCHAR) AS diabetes_first_date,
    CAST(coalesce(ac.n, 0) AS VARCHAR) AS asthma_count_last_year,
    CASE WHEN ics.patient_id IS NULL THEN 'F' ELSE 'T' END AS ics_last_180_days,
    CAST(hb.date AS VARCHAR) AS hba1c_date,
    CAST(hb.numeric_value AS VARCHAR) AS hba1c_value
FROM population pop
LEFT JOIN first_hypertension fh ON fh.patient_id = pop.patient_id
LEFT JOIN hypertension_count hc ON hc.patient_id = pop.patient_id
LEFT JOIN diabetes_first df ON df.patient_id = pop.patient_id
LEFT JOIN asthma_count ac ON ac.patient_id = pop.patient_id
LEFT JOIN ics ON ics.patient_id = pop.patient_id
LEFT JOIN latest_hba1c hb ON hb.patient_id = pop.patient_id
ORDER BY pop.patient_id
