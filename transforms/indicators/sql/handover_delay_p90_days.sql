-- handover_delay_p90_days (design §5): 90th percentile (linear interpolation) of the same
-- observations as handover_delay_median_days; also by target_service.
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       quantile_cont(delay_days, 0.9)::DOUBLE AS value, NULL::BIGINT AS numerator, count(*) AS denominator
FROM (UNPIVOT handover_first_contacts ON "all", target_service INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
