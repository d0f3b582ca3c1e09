-- needs_unmet_share (design §5): over needs with resolved_on in P and status gedeckt or
-- nicht_gedeckt, the share nicht_gedeckt; also by category.
SELECT p.period,
       coalesce(n.provider_id, 'all') AS provider_id,
       CASE WHEN grouping(n.category) = 1 THEN 'all' ELSE 'category' END AS dimension,
       CASE WHEN grouping(n.category) = 1 THEN 'all' ELSE n.category END AS dimension_value,
       (count(*) FILTER (WHERE n.status = 'nicht_gedeckt'))::DOUBLE / count(*) AS value,
       count(*) FILTER (WHERE n.status = 'nicht_gedeckt') AS numerator,
       count(*) AS denominator
FROM marts.dim_periods p
JOIN marts.fct_needs n
  ON n.resolved_on BETWEEN p.period_start AND p.period_end
 AND n.status IN ('gedeckt', 'nicht_gedeckt')
GROUP BY GROUPING SETS (
    (p.period, n.provider_id), (p.period),
    (p.period, n.provider_id, n.category), (p.period, n.category)
)
