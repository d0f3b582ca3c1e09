-- One row per case of the current deliveries, with the number of distinct case managers it had.
CREATE OR REPLACE TABLE marts.fct_cases AS
WITH managers AS (
    SELECT provider_id, case_id, count(DISTINCT case_manager_id) AS case_manager_count
    FROM staging.assignments
    GROUP BY ALL
)
SELECT c.provider_id, c.case_id, c.person_id, c.case_manager_id, c.opened_on, c.closed_on,
       c.closing_reason, c.birth_year, c.gender, c.nationality, c.residence_status,
       c.arrival_year, c.district, c.referral_source,
       coalesce(m.case_manager_count, 0) AS case_manager_count
FROM staging.cases c
LEFT JOIN managers m USING (provider_id, case_id)
