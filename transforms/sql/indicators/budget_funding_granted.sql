-- budget_funding_granted (budget): state funding granted for P's year, in EUR (a provider's part
-- allocated by its share of funded FTE; see marts.fct_budget_months).
SELECT b.period, b.provider_id, 'all' AS dimension, 'all' AS dimension_value,
       b.funding_granted::DOUBLE AS value, NULL::BIGINT AS numerator, NULL::BIGINT AS denominator
FROM marts.fct_budget_months b JOIN target_periods USING (period)
