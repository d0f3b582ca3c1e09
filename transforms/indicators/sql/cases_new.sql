-- cases_new (design §5): cases with opened_on in P; also by residence status at intake, referral
-- source and district (a missing district is 'unbekannt', so incomplete data stays visible).
WITH observations AS (
    SELECT p.period, c.provider_id, 'all' AS "all",
           coalesce(c.residence_status, 'unbekannt') AS residence_status,
           coalesce(c.referral_source, 'unbekannt') AS referral_source,
           coalesce(c.district, 'unbekannt') AS district
    FROM target_months p
    JOIN marts.fct_cases c ON date_trunc('month', c.opened_on) = p.month_start
)
SELECT period, coalesce(provider_id, 'all') AS provider_id, dimension, dimension_value,
       count(*)::DOUBLE AS value, count(*) AS numerator, NULL::BIGINT AS denominator
FROM (UNPIVOT observations ON "all", residence_status, referral_source, district
      INTO NAME dimension VALUE dimension_value)
GROUP BY GROUPING SETS ((period, provider_id, dimension, dimension_value), (period, dimension, dimension_value))
