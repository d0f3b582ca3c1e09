-- Every year with published yearly indicator figures (period 'YYYY'), oldest first.
SELECT DISTINCT period
FROM marts.published_indicator_values_yearly
WHERE regexp_full_match(period, '[0-9]{4}')
ORDER BY period
