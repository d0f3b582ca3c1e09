-- budget_funding_coverage_share (budget): funding granted / actual cost for the year of P.
SELECT p.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN b.actual_cost > 0 THEN b.funding_granted / b.actual_cost END::DOUBLE AS value,
       NULL::BIGINT AS numerator, NULL::BIGINT AS denominator
FROM target_periods p JOIN marts.fct_budget_allocation b ON b.year = year(p.period_end)
