-- The delivery register (every delivery seen), times in local (Europe/Berlin) time.
SELECT delivery_id,
       provider_id,
       period,
       timezone('Europe/Berlin', exported_at) AS exported_local,
       timezone('Europe/Berlin', received_at) AS received_local,
       timezone('Europe/Berlin', loaded_at) AS loaded_local,
       state,
       total_rows,
       quarantined_rows,
       rejection_rule,
       rejection_file,
       rejection_line,
       rejection_message,
       coalesce(is_current, false) AS is_current
FROM marts.fct_deliveries
ORDER BY provider_id, period DESC, received_at DESC NULLS LAST, delivery_id
