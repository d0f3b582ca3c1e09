-- handover_delay_median_days (design §5): median of first_contact_on - referred_on in days over
-- handovers with first_contact_on in P (linear interpolation); also by target_service.
-- denominator = number of observations.
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       quantile_cont(delay_days, 0.5)::DOUBLE AS value, NULL::BIGINT AS numerator, count(*) AS denominator
FROM (UNPIVOT handover_first_contacts ON "all", target_service INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
