-- handovers_pending_over_30d (design §5): handovers with referred_on <= end(P) - 30 days, no
-- first_contact_on <= end(P), outcome not abgelehnt / nicht_wahrgenommen; also by target_service.
-- The outcome is the one of the current delivery (the export has no outcome history).
WITH observations AS (
    SELECT p.period, h.provider_id, 'all' AS "all", coalesce(h.target_service, 'unbekannt') AS target_service
    FROM target_periods p
    JOIN marts.fct_handovers h
      ON h.referred_on <= p.period_end - INTERVAL 30 DAY
     AND (h.first_contact_on IS NULL OR h.first_contact_on > p.period_end)
     AND h.outcome NOT IN ('abgelehnt', 'nicht_wahrgenommen')
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", target_service INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
