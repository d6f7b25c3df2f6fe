-- extract.sql: definition.py (beside it) as one DuckDB query, for the
-- sdc-extract benchmark.  Run by scripts/bench/duckdb-extract.mjs, which
-- makes the views patients, practice_registrations, clinical_events,
-- medications (typed as in ehrQL's core schema; codes as VARCHAR) and the tables
-- codelist_<name> (one column, code) for codelists/<name>.csv, with '-'
-- in a name read as '_', and writes the result as CSV.
--
-- ehrQL semantics kept by hand here (sdc-extract must do the same):
--  * The population is drawn from the patients with a row in a table the
--    population reads (patients or practice_registrations), then
--    filtered; a NULL population condition leaves the patient out.
--  * where(c) drops rows where c is NULL; except_where(c) keeps them.
--  * first/last_for_patient sort on the sort_by keys, then on every
--    column selected from the picked row that is not already a key, in
--    name order; NULLs sort first.  last_for_patient reverses every key
--    (DESC NULLS LAST).  Codes sort as strings.
--  * age_on is whole calendar years (not DuckDB's date_sub, which counts
--    29 February to 28 February as a year).
--  * count_for_patient is 0 and exists_for_patient F, never NULL.
--  * Output: every value as text, booleans T/F, dates ISO, floats as
--    Python's repr (DuckDB's DOUBLE to VARCHAR agrees for these values),
--    NULL empty, one row per patient by ascending patient_id.
--
-- Codelist membership is list_contains((SELECT list(code) ...), code)
-- rather than code IN (SELECT code ...): same result, but DuckDB 1.5
-- plans the IN form over a CSV scan as a join that held 7 GB at 10^6
-- patients (26 s); this form runs in 0.75 GB (21 s).
WITH
universe AS (
    SELECT patient_id FROM patients
    UNION
    SELECT patient_id FROM practice_registrations
),
registered AS (
    SELECT DISTINCT patient_id
    FROM practice_registrations
    WHERE start_date <= DATE '2024-01-01'
      AND (end_date > DATE '2024-01-01' OR end_date IS NULL)
),
population AS (
    SELECT u.patient_id
    FROM universe u
    JOIN registered r ON r.patient_id = u.patient_id
    LEFT JOIN patients p ON p.patient_id = u.patient_id
    WHERE p.date_of_death > DATE '2024-01-01' OR p.date_of_death IS NULL
),
registration AS (
    SELECT patient_id, practice_pseudo_id
    FROM practice_registrations
    WHERE start_date <= DATE '2024-01-01'
      AND NOT coalesce(end_date < DATE '2024-01-01', false)
    QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY
        start_date DESC NULLS LAST, end_date DESC NULLS LAST,
        practice_pseudo_id DESC NULLS LAST) = 1
),
prior_hypertension AS (
    SELECT patient_id, date, snomedct_code
    FROM clinical_events
    WHERE list_contains((SELECT list(code) FROM codelist_hypertension), snomedct_code)
      AND date < DATE '2024-01-01'
),
first_hypertension AS (
    SELECT patient_id, date, snomedct_code
    FROM prior_hypertension
    QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY
        date ASC NULLS FIRST, snomedct_code ASC NULLS FIRST) = 1
),
last_hypertension AS (
    SELECT patient_id, date, snomedct_code
    FROM prior_hypertension
    QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY
        date DESC NULLS LAST, snomedct_code DESC NULLS LAST) = 1
),
asthma_count AS (
    SELECT patient_id, count(*) AS n
    FROM clinical_events
    WHERE list_contains((SELECT list(code) FROM codelist_asthma), snomedct_code)
      AND date >= DATE '2023-01-01' AND date < DATE '2024-01-01'
    GROUP BY patient_id
),
ics_last_year AS (
    SELECT DISTINCT patient_id
    FROM medications
    WHERE list_contains((SELECT list(code) FROM codelist_inhaled_corticosteroids), dmd_code)
      AND date BETWEEN DATE '2023-01-01' AND DATE '2024-01-01'
),
hba1c_latest AS (
    SELECT patient_id, numeric_value
    FROM clinical_events
    WHERE list_contains((SELECT list(code) FROM codelist_hba1c), snomedct_code)
      AND date <= DATE '2024-01-01'
    QUALIFY row_number() OVER (PARTITION BY patient_id ORDER BY
        date DESC NULLS LAST, numeric_value DESC NULLS LAST) = 1
)
SELECT
    CAST(pop.patient_id AS VARCHAR) AS patient_id,
    CAST(reg.practice_pseudo_id AS VARCHAR) AS practice,
    CAST(year(DATE '2024-01-01') - year(p.date_of_birth)
        - CASE WHEN (month(p.date_of_birth), day(p.date_of_birth))
                    > (1, 1) THEN 1 ELSE 0 END AS VARCHAR) AS age,
    p.sex AS sex,
    CAST(fh.date AS VARCHAR) AS htn_first_date,
    fh.snomedct_code AS htn_first_code,
    CAST(lh.date AS VARCHAR) AS htn_last_date,
    lh.snomedct_code AS htn_last_code,
    CAST(coalesce(ac.n, 0) AS VARCHAR) AS asthma_count,
    CASE WHEN ics.patient_id IS NULL THEN 'F' ELSE 'T' END AS ics_last_year,
    CAST(hb.numeric_value AS VARCHAR) AS hba1c_latest
FROM population pop
LEFT JOIN patients p ON p.patient_id = pop.patient_id
LEFT JOIN registration reg ON reg.patient_id = pop.patient_id
LEFT JOIN first_hypertension fh ON fh.patient_id = pop.patient_id
LEFT JOIN last_hypertension lh ON lh.patient_id = pop.patient_id
LEFT JOIN asthma_count ac ON ac.patient_id = pop.patient_id
LEFT JOIN ics_last_year ics ON ics.patient_id = pop.patient_id
LEFT JOIN hba1c_latest hb ON hb.patient_id = pop.patient_id
ORDER BY pop.patient_id
