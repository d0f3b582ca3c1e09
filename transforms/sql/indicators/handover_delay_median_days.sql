-- handover_delay_median_days (design §5): median of first_contact_on - referred_on in days over
-- handovers with first_contact_on in P (linear interpolation); also by target_service.
-- denominator = number of observations.
SELECT p.period,
       coalesce(h.provider_id, 'all') AS provider_id,
       CASE WHEN grouping(h.target_service) = 1 THEN 'all' ELSE 'target_service' END AS dimension,
       CASE WHEN grouping(h.target_service) = 1 THEN 'all' ELSE h.target_service END AS dimension_value,
       quantile_cont(h.delay_days, 0.5)::DOUBLE AS value,
       NULL::BIGINT AS numerator, count(*) AS denominator
FROM marts.dim_periods p
JOIN marts.fct_handovers h ON h.first_contact_on BETWEEN p.period_start AND p.period_end
GROUP BY GROUPING SETS (
    (p.period, h.provider_id), (p.period),
    (p.period, h.provider_id, h.target_service), (p.period, h.target_service)
)
