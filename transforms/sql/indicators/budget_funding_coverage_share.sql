-- budget_funding_coverage_share (budget): funding granted / actual cost of P's year.
SELECT b.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN b.actual_cost > 0 THEN b.funding_granted / b.actual_cost END::DOUBLE AS value,
       NULL::BIGINT AS numerator, NULL::BIGINT AS denominator
FROM marts.fct_budget_months b JOIN target_periods USING (period)
