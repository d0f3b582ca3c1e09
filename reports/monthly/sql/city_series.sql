-- City-wide totals (provider 'all', no breakdown) of all months up to the report month.
SELECT period, indicator_id, value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE provider_id = 'all'
  AND dimension = 'all'
  AND period <= $period
ORDER BY period, indicator_id
