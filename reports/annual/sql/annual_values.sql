-- Every yearly indicator row of one year (already flagged for suppression), all providers and
-- breakdowns.
SELECT indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.indicator_values_yearly
WHERE period = $year
