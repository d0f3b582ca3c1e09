-- City-wide published totals (provider 'all', no breakdown) of the monthly figures within one year.
SELECT period, indicator_id, provider_id, dimension, value, numerator, denominator, suppressed
FROM marts.published_indicator_values
WHERE provider_id = 'all'
  AND dimension = 'all'
  AND substr(period, 1, 4) = $year
  AND indicator_id IN ('cases_active', 'cases_new', 'cases_closed',
                       'needs_unmet_count', 'needs_unmet_share')
ORDER BY period, indicator_id
