-- needs_open_over_90d (design §5): needs with identified_on <= end(P) - 90 days and not resolved
-- by end(P) (no resolved_on, or resolved_on after end(P)); also by category.
WITH observations AS (
    SELECT p.period, n.provider_id, 'all' AS "all", coalesce(n.category, 'unbekannt') AS category
    FROM target_periods p
    JOIN marts.fct_needs n
      ON n.identified_on <= p.period_end - INTERVAL 90 DAY
     AND (n.resolved_on IS NULL OR n.resolved_on > p.period_end)
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", category INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
