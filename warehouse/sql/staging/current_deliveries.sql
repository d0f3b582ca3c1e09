-- Each provider's current delivery: the newest accepted one (raw.delivery_succession: latest
-- period, then latest export). Rejected deliveries are never current, so after a rejection the
-- previous accepted delivery stays current.
CREATE OR REPLACE TABLE staging.current_deliveries AS
SELECT d.delivery_id, d.provider_id, d.period, d.exported_at, d.received_at
FROM raw.delivery_succession s
JOIN raw.deliveries d USING (delivery_id)
WHERE s.superseded_from IS NULL
