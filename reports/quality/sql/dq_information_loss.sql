-- What the publication step (warehouse/disclosure_protection.py) hides, per report: the count cells
-- a report prints (published or "•"), how many of them are hidden and how much of the printed count
-- mass they carry, and the cells not published at all (by the plan, or withdrawn by the protection).
-- $counts: the ids of the count indicators. Scope: city-wide monthly and annual reports by period,
-- the provider feedback reports of all providers together by period.
WITH cells AS (
    SELECT p.period, p.status, p.reason,
           CASE WHEN p.provider_id <> 'all' THEN 'provider' WHEN length(p.period) = 4 THEN 'annual' ELSE 'monthly' END AS scope,
           coalesce(m.numerator, y.numerator, 0) AS numerator
    FROM marts.indicator_publication p
    LEFT JOIN marts.indicator_values m
        ON m.indicator_id = p.indicator_id AND m.period = p.period AND m.provider_id = p.provider_id
       AND m.dimension = p.dimension AND m.dimension_value = p.dimension_value
    LEFT JOIN marts.indicator_values_yearly y
        ON y.indicator_id = p.indicator_id AND y.period = p.period AND y.provider_id = p.provider_id
       AND y.dimension = p.dimension AND y.dimension_value = p.dimension_value
    WHERE list_contains($counts, p.indicator_id)
)
SELECT scope, period,
       count(*) FILTER (WHERE status IN ('published', 'hidden')) AS printed,
       count(*) FILTER (WHERE status = 'hidden') AS hidden,
       coalesce(sum(numerator) FILTER (WHERE status IN ('published', 'hidden')), 0) AS printed_mass,
       coalesce(sum(numerator) FILTER (WHERE status = 'hidden'), 0) AS hidden_mass,
       count(*) FILTER (WHERE status = 'unpublished' AND reason = 'plan') AS planned_out,
       count(*) FILTER (WHERE status = 'unpublished' AND reason = 'protection') AS withdrawn
FROM cells
GROUP BY scope, period
ORDER BY CASE scope WHEN 'annual' THEN 0 WHEN 'monthly' THEN 1 ELSE 2 END, period DESC
