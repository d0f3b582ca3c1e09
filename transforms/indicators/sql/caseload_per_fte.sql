-- caseload_per_fte (design §5): cases active on end(P) / funded FTE of the provider in P's year.
-- 'all' = cases of the providers with funded FTE / their FTE in total. A provider without funded
-- FTE that year has no value. numerator = the cases counted.
WITH active_at_end AS (
    SELECT p.period, c.provider_id, count(*) AS cases
    FROM target_periods p
    JOIN marts.fct_cases c
      ON c.opened_on <= p.period_end AND (c.closed_on IS NULL OR c.closed_on >= p.period_end)
    GROUP BY ALL
),
units AS (
    SELECT p.period, s.provider_id, coalesce(a.cases, 0) AS cases, y.funded_fte
    FROM target_periods p
    CROSS JOIN (SELECT DISTINCT provider_id FROM marts.reporting_scaffold WHERE provider_id <> 'all') s
    LEFT JOIN active_at_end a ON a.period = p.period AND a.provider_id = s.provider_id
    LEFT JOIN marts.dim_provider_years y
      ON y.provider_id = s.provider_id AND y.year = year(p.period_end) AND y.funded_fte > 0
)
SELECT period, provider_id, 'all' AS dimension, 'all' AS dimension_value,
       CASE WHEN funded_fte IS NOT NULL THEN cases / funded_fte END AS value,
       cases AS numerator, NULL::BIGINT AS denominator
FROM units
UNION ALL
SELECT period, 'all', 'all', 'all',
       sum(cases) FILTER (WHERE funded_fte IS NOT NULL) / sum(funded_fte),
       coalesce(sum(cases) FILTER (WHERE funded_fte IS NOT NULL), 0), NULL
FROM units
GROUP BY period
