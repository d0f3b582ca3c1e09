-- caseload_band_case_managers (beyond design §5): case managers by their number of active cases on
-- end(P) (< 30, 30-49, 50-69, >= 70), counted from the assignments in force on end(P) of cases
-- active on end(P). Only ever a distribution, never per person; dimension 'all' = case managers
-- with at least one active case. A case manager is (provider, case_manager_id).
WITH caseloads AS (
    SELECT p.period, a.provider_id, a.case_manager_id, count(DISTINCT a.case_id) AS cases
    FROM target_periods p
    JOIN marts.fct_cases c
      ON c.opened_on <= p.period_end AND (c.closed_on IS NULL OR c.closed_on >= p.period_end)
    JOIN marts.fct_assignments a
      ON a.provider_id = c.provider_id AND a.case_id = c.case_id
     AND a.assigned_from <= p.period_end AND (a.assigned_to IS NULL OR a.assigned_to >= p.period_end)
    GROUP BY ALL
),
observations AS (
    SELECT period, provider_id, 'all' AS "all",
           CASE WHEN cases < 30 THEN 'unter_30' WHEN cases < 50 THEN '30_bis_49'
                WHEN cases < 70 THEN '50_bis_69' ELSE 'ab_70' END AS caseload_band
    FROM caseloads
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", caseload_band INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
