-- time_to_first_need_median_days (design §5): over cases opened in P that have a need, the median
-- of (first identified_on - opened_on) in days. denominator = number of such cases.
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       quantile_cont(c.days_to_first_need, 0.5)::DOUBLE AS value,
       NULL::BIGINT AS numerator, count(*) AS denominator
FROM target_months p
JOIN marts.fct_cases c
  ON date_trunc('month', c.opened_on) = p.month_start AND c.first_need_on IS NOT NULL
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
