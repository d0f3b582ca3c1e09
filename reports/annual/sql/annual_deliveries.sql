-- Per provider, the deliveries registered for months of one year: how many were accepted (now
-- current or superseded) or rejected, which months the accepted ones cover, and the share of
-- delivered rows that went into quarantine. Aggregates only: no record keys, no messages.
SELECT provider_id,
       count(*) FILTER (WHERE state <> 'rejected') AS accepted,
       count(*) FILTER (WHERE state = 'rejected') AS rejected,
       min(period) FILTER (WHERE state <> 'rejected') AS first_period,
       max(period) FILTER (WHERE state <> 'rejected') AS last_period,
       sum(total_rows) FILTER (WHERE state <> 'rejected') AS total_rows,
       sum(quarantined_rows) FILTER (WHERE state <> 'rejected') AS quarantined_rows
FROM marts.fct_deliveries
WHERE substr(period, 1, 5) = $year || '-'
GROUP BY provider_id
ORDER BY provider_id
