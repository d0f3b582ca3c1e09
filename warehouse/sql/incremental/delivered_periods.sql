-- First and last period of an accepted delivery (the span of marts.dim_periods).
SELECT min(period), max(period) FROM raw.deliveries WHERE state <> 'rejected'
