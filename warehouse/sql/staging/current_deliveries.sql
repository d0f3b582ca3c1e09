-- Each provider's newest accepted delivery: latest period, then latest export, then latest load.
-- Rejected deliveries never reach raw.deliveries, so the previous accepted one stays current.
CREATE OR REPLACE TABLE staging.current_deliveries AS
SELECT delivery_id, provider_id, period, exported_at, loaded_at
FROM raw.deliveries
QUALIFY row_number() OVER (
    PARTITION BY provider_id ORDER BY period DESC, exported_at DESC, loaded_at DESC
) = 1
