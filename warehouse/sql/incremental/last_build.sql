-- The last build that recomputed every month its plan named.
SELECT built_at, suppression_k, config_fingerprint, periods_from, periods_to
FROM marts.indicator_builds WHERE settled ORDER BY built_at DESC LIMIT 1
