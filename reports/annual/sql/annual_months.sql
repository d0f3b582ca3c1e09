-- The months of one year covered by the warehouse (the year's reporting span), oldest first.
SELECT period, period_start, period_end
FROM marts.dim_periods
WHERE substr(period, 1, 4) = $year
ORDER BY period
