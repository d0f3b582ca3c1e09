-- needs_unmet_share (design §5): over needs with resolved_on in P and status gedeckt or
-- nicht_gedeckt, the share nicht_gedeckt; also by category.
WITH observations AS (
    SELECT p.period, n.provider_id, 'all' AS "all", coalesce(n.category, 'unbekannt') AS category,
           n.status = 'nicht_gedeckt' AS unmet
    FROM target_months p
    JOIN marts.fct_needs n
      ON date_trunc('month', n.resolved_on) = p.month_start
     AND n.status IN ('gedeckt', 'nicht_gedeckt')
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       (count(*) FILTER (WHERE unmet))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE unmet) AS numerator, count(*) AS denominator
FROM (UNPIVOT observations ON "all", category INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
