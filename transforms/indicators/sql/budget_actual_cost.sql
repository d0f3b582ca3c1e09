-- budget_actual_cost (budget): actual cost of the year of P, in EUR (a provider's part allocated
-- by its share of funded FTE; marts.fct_budget_allocation).
SELECT p.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       b.actual_cost::DOUBLE AS value, NULL::BIGINT AS numerator, NULL::BIGINT AS denominator
FROM target_periods p JOIN marts.fct_budget_allocation b ON b.year = year(p.period_end)
