-- cost_per_closed_case (budget): cost of the year to end(P) divided by the cases closed from
-- 1 January to end(P). denominator = those cases.
SELECT b.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN b.cases_closed_to_date > 0 THEN b.cost_to_date / b.cases_closed_to_date END::DOUBLE AS value,
       NULL::BIGINT AS numerator, b.cases_closed_to_date::BIGINT AS denominator
FROM marts.fct_budget_months b JOIN target_periods USING (period)
