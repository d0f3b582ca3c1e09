-- The programme's targets (config `targets:`), in the order configured.
SELECT indicator_id, bound, target, tolerance
FROM marts.dim_indicator_targets
ORDER BY rowid
