-- Every indicator row of one report month, all providers and breakdowns.
SELECT indicator_id, provider_id, dimension, dimension_value,
       value, numerator, denominator, suppressed
FROM marts.indicator_values
WHERE period = $period
