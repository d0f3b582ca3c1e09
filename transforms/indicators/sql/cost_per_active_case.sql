-- cost_per_active_case (budget): the cost of P (actual cost of the year x P's months / 12) divided
-- by the cases active in P (cases_active). denominator = those cases.
SELECT period, provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN cases_active > 0 THEN cost / cases_active END::DOUBLE AS value,
       NULL::BIGINT AS numerator, cases_active::BIGINT AS denominator
FROM period_budget
