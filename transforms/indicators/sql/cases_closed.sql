-- cases_closed (design §5): cases with closed_on in P; also by closing_reason and by duration band
-- at closure (<= 3, 3-6, 6-12, > 12 calendar months; fct_cases.duration_band).
WITH observations AS (
    SELECT p.period, c.provider_id, 'all' AS "all",
           coalesce(c.closing_reason, 'unbekannt') AS closing_reason,
           c.duration_band
    FROM target_months p
    JOIN marts.fct_cases c ON date_trunc('month', c.closed_on) = p.month_start
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", closing_reason, duration_band INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
