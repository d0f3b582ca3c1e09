-- The provider's own published case counts (no breakdown) for the months of the trend window.
SELECT period, indicator_id, provider_id, dimension, value, numerator, denominator, suppressed
FROM marts.published_indicator_values
WHERE provider_id = $provider_id
  AND dimension = 'all'
  AND indicator_id IN ('cases_active', 'cases_new', 'cases_closed')
  AND period BETWEEN $first AND $period
ORDER BY period, indicator_id
