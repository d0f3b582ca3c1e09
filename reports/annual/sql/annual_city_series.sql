-- City-wide totals (provider 'all', no breakdown) of the monthly figures within one year.
SELECT period, indicator_id, value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE provider_id = 'all'
  AND dimension = 'all'
  AND substr(period, 1, 4) = $year
  AND indicator_id IN ('cases_active', 'cases_new', 'cases_closed',
                       'needs_unmet_count', 'needs_unmet_share')
ORDER BY period, indicator_id
