-- One row per delivery seen (the register): is_current marks the one staging and indicators use.
CREATE OR REPLACE TABLE marts.fct_deliveries AS
SELECT d.delivery_id, d.provider_id, d.period, d.exported_at, d.received_at,
       d.registered_at AS loaded_at, d.state, d.total_rows, d.quarantined_rows,
       d.rejection_rule, d.rejection_file, d.rejection_line, d.rejection_message,
       c.delivery_id IS NOT NULL AS is_current
FROM raw.deliveries d
LEFT JOIN staging.current_deliveries c USING (delivery_id)
ORDER BY d.provider_id, d.period, d.exported_at
