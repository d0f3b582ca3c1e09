-- handover_within_14d_share (design §5): over handovers with first_contact_on in P, the share with
-- first_contact_on - referred_on <= 14 days; also by target_service.
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       (count(*) FILTER (WHERE delay_days <= 14))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE delay_days <= 14) AS numerator, count(*) AS denominator
FROM (UNPIVOT handover_first_contacts ON "all", target_service INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
