-- One row per accepted delivery; is_current marks the one staging and indicators use.
CREATE OR REPLACE TABLE marts.fct_deliveries AS
SELECT d.delivery_id, d.provider_id, d.period, d.exported_at, d.loaded_at,
       c.delivery_id IS NOT NULL AS is_current
FROM raw.deliveries d
LEFT JOIN staging.current_deliveries c USING (delivery_id)
ORDER BY d.provider_id, d.period, d.exported_at
