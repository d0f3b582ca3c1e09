-- The deliveries of vintage $vintage: each provider's newest delivery for a period up to $vintage
-- (latest export on ties), as the figures stood when that month was reported.
CREATE OR REPLACE TEMP TABLE vintage_deliveries AS
SELECT delivery_id
FROM (
    SELECT delivery_id, period,
           row_number() OVER (PARTITION BY provider_id ORDER BY period DESC, exported_at DESC, registered_at DESC) AS rank
    FROM raw.deliveries
    WHERE state <> 'rejected' AND period <= $vintage
)
WHERE rank = 1
