-- needs_unmet_count (design §5): needs nicht_gedeckt with resolved_on in P; by category, by
-- unmet_reason and by category_reason ('<category>|<unmet_reason>', the gap matrix).
WITH observations AS (
    SELECT p.period, n.provider_id, 'all' AS "all",
           coalesce(n.category, 'unbekannt') AS category,
           coalesce(n.unmet_reason, 'unbekannt') AS unmet_reason,
           coalesce(n.category, 'unbekannt') || '|' || coalesce(n.unmet_reason, 'unbekannt') AS category_reason
    FROM target_months p
    JOIN marts.fct_needs n
      ON date_trunc('month', n.resolved_on) = p.month_start AND n.status = 'nicht_gedeckt'
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", category, unmet_reason, category_reason
      INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
