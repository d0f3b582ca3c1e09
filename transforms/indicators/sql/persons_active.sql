-- persons_active (beyond design §5): distinct persons with an active case (cases_active's rule).
-- A person with cases at two providers counts once in 'all', so 'all' can be below the sum.
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       'all' AS dimension, 'all' AS dimension_value,
       count(DISTINCT c.person_id)::DOUBLE AS value, count(DISTINCT c.person_id) AS numerator,
       NULL::BIGINT AS denominator
FROM target_periods p
JOIN marts.fct_cases c
  ON c.opened_on <= p.period_end AND (c.closed_on IS NULL OR c.closed_on >= p.period_start)
GROUP BY GROUPING SETS ((p.period, c.provider_id), (p.period))
