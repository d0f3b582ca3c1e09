-- focus_group_share_new (design §5): of cases_new, the share with residence_status (at intake)
-- duldung or gestattung.
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       (count(*) FILTER (WHERE c.is_focus_group))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE c.is_focus_group) AS numerator,
       count(*) AS denominator
FROM target_months p
JOIN marts.fct_cases c ON date_trunc('month', c.opened_on) = p.month_start
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
