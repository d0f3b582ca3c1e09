INSERT INTO marts.indicator_builds
SELECT now(), $first_period, $last_period, min(period), max(period), $full_rebuild, $settled, $k, $fingerprint, $reasons
FROM raw.deliveries WHERE state <> 'rejected'
