-- Revised city-wide totals (provider 'all', no breakdown) whose previous and current figures
-- were both published (not suppressed on either side), oldest month first.
SELECT indicator_id, period,
       previous_value, current_value,
       previous_numerator, current_numerator,
       previous_denominator, current_denominator,
       previous_suppressed, current_suppressed,
       previous_vintage, current_vintage
FROM marts.indicator_revisions
WHERE provider_id = 'all'
  AND dimension = 'all'
  AND dimension_value = 'all'
  AND previous_suppressed IS false
  AND current_suppressed IS false
  AND previous_value IS NOT NULL
  AND current_value IS NOT NULL
ORDER BY indicator_id, period
