-- Each provider's current delivery: the newest accepted one (latest period, then latest export).
-- The register keeps exactly one 'accepted' delivery per provider; rejected deliveries are never
-- current, so after a rejection the previous accepted delivery stays current.
CREATE OR REPLACE TABLE staging.current_deliveries AS
SELECT delivery_id, provider_id, period, exported_at, received_at
FROM raw.deliveries
WHERE state = 'accepted'
