-- One row per case of the current deliveries, with what the indicators derive from it: the number
-- of distinct case managers (continuity), the focus-group flag (status at intake), the duration and
-- its band at closure, and the first identified need.
CREATE OR REPLACE TABLE marts.fct_cases AS
WITH managers AS (
    SELECT provider_id, case_id, count(DISTINCT case_manager_id) AS case_manager_count
    FROM staging.assignments
    GROUP BY ALL
),
first_needs AS (
    SELECT provider_id, case_id, min(identified_on) AS first_need_on
    FROM staging.needs
    GROUP BY ALL
)
SELECT c.provider_id, c.case_id, c.person_id, c.case_manager_id, c.opened_on, c.closed_on,
       c.closing_reason, c.birth_year, c.gender, c.nationality, c.residence_status,
       c.arrival_year, c.district, c.referral_source,
       coalesce(m.case_manager_count, 0) AS case_manager_count,
       c.residence_status IN ('duldung', 'gestattung') AS is_focus_group,
       date_diff('day', c.opened_on, c.closed_on) AS duration_days,
       -- Bands in calendar months (a case opened on 29 Feb 2024 reaches 12 months on 28 Feb 2025).
       CASE
           WHEN c.closed_on IS NULL THEN NULL
           WHEN c.closed_on <= c.opened_on + INTERVAL 3 MONTH THEN 'bis_3_monate'
           WHEN c.closed_on <= c.opened_on + INTERVAL 6 MONTH THEN '3_bis_6_monate'
           WHEN c.closed_on <= c.opened_on + INTERVAL 12 MONTH THEN '6_bis_12_monate'
           ELSE 'ueber_12_monate'
       END AS duration_band,
       f.first_need_on,
       date_diff('day', c.opened_on, f.first_need_on) AS days_to_first_need
FROM staging.cases c
LEFT JOIN managers m USING (provider_id, case_id)
LEFT JOIN first_needs f USING (provider_id, case_id)
