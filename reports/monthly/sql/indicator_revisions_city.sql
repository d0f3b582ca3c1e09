-- Revised city-wide totals (provider 'all', no breakdown) whose previous and current figures
-- were both published (not suppressed on either side), oldest month first. The current figure must
-- also be published and shown in today's release (marts.published_indicator_values).
SELECT r.indicator_id, r.period,
       r.previous_value, r.current_value,
       r.previous_numerator, r.current_numerator,
       r.previous_denominator, r.current_denominator,
       r.previous_suppressed, r.current_suppressed,
       r.previous_vintage, r.current_vintage
FROM marts.indicator_revisions r
JOIN marts.published_indicator_values p
  ON p.indicator_id = r.indicator_id
 AND p.period = r.period
 AND p.provider_id = r.provider_id
 AND p.dimension = r.dimension
 AND p.dimension_value = r.dimension_value
WHERE r.provider_id = 'all'
  AND r.dimension = 'all'
  AND r.dimension_value = 'all'
  AND r.previous_suppressed IS false
  AND r.current_suppressed IS false
  AND p.suppressed IS false
  AND r.previous_value IS NOT NULL
  AND r.current_value IS NOT NULL
ORDER BY r.indicator_id, r.period
