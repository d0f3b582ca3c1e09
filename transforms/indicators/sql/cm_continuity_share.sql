-- cm_continuity_share (design §5): over cases closed in P, the share with exactly one distinct
-- case_manager_id in assignments (a case without any assignment row counts as not continuous).
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       (count(*) FILTER (WHERE c.case_manager_count = 1))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE c.case_manager_count = 1) AS numerator,
       count(*) AS denominator
FROM target_months p
JOIN marts.fct_cases c ON date_trunc('month', c.closed_on) = p.month_start
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
