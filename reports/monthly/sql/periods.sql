-- All months covered by the warehouse up to the report month (axis of trend charts).
SELECT period
FROM marts.dim_periods
WHERE period <= $period
ORDER BY period
