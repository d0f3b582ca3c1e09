-- cases_active (design §5): cases with opened_on <= end(P) and (closed_on empty or >= start(P)).
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM target_periods p
JOIN marts.fct_cases c
  ON c.opened_on <= p.period_end AND (c.closed_on IS NULL OR c.closed_on >= p.period_start)
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
