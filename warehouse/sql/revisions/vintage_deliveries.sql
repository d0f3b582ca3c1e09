-- The deliveries of vintage $vintage: each provider's newest delivery for a period up to $vintage
-- (raw.delivery_succession), as the figures stood when that month was reported.
CREATE OR REPLACE TEMP TABLE vintage_deliveries AS
SELECT delivery_id
FROM raw.delivery_succession
WHERE period <= $vintage AND (superseded_from IS NULL OR superseded_from > $vintage)
