-- cost_per_closed_case (budget): the cost of P divided by the cases closed in P (cases_closed).
-- denominator = those cases.
SELECT period, provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN cases_closed > 0 THEN cost / cases_closed END::DOUBLE AS value,
       NULL::BIGINT AS numerator, cases_closed::BIGINT AS denominator
FROM period_budget
