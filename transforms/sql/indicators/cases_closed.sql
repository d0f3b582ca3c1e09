-- cases_closed (design §5): cases with closed_on in P; also by closing_reason.
SELECT p.period,
       coalesce(c.provider_id, 'all') AS provider_id,
       CASE WHEN grouping(c.closing_reason) = 1 THEN 'all' ELSE 'closing_reason' END AS dimension,
       CASE WHEN grouping(c.closing_reason) = 1 THEN 'all'
            ELSE coalesce(c.closing_reason, 'fehlt') END AS dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM marts.dim_periods p
JOIN marts.fct_cases c ON c.closed_on BETWEEN p.period_start AND p.period_end
GROUP BY GROUPING SETS (
    (p.period, c.provider_id), (p.period),
    (p.period, c.provider_id, c.closing_reason), (p.period, c.closing_reason)
)
