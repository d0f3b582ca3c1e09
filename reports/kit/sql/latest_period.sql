-- The newest period for which any indicator is stored (default report month).
SELECT max(period) AS period
FROM marts.indicator_values
