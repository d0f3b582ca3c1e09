-- The provider's own case counts (no breakdown) for the months of the trend window.
SELECT period, indicator_id, value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE provider_id = $provider_id
  AND dimension = 'all'
  AND indicator_id IN ('cases_active', 'cases_new', 'cases_closed')
  AND period BETWEEN $first AND $period
ORDER BY period, indicator_id
