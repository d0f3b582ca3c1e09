-- City-wide published totals (provider 'all', no breakdown) of all months up to the report month.
SELECT period, indicator_id, provider_id, dimension, value, numerator, denominator, suppressed
FROM marts.published_indicator_values
WHERE provider_id = 'all'
  AND dimension = 'all'
  AND period <= $period
ORDER BY period, indicator_id
