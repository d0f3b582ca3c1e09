-- cases_new (design §5): cases with opened_on in P.
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM marts.dim_periods p
JOIN marts.fct_cases c ON c.opened_on BETWEEN p.period_start AND p.period_end
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
