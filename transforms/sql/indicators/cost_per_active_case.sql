-- cost_per_active_case (budget): cost of the year to end(P) (actual cost x months elapsed / 12)
-- divided by the cases active at any time from 1 January to end(P). denominator = those cases.
SELECT b.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN b.cases_active_to_date > 0 THEN b.cost_to_date / b.cases_active_to_date END::DOUBLE AS value,
       NULL::BIGINT AS numerator, b.cases_active_to_date::BIGINT AS denominator
FROM marts.fct_budget_months b JOIN target_periods USING (period)
