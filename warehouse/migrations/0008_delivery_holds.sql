-- 0008: containment (issue 16). A delivery that was loaded but whose data then fails a blocking
-- check is held: its register state becomes 'held' (rejection_rule 'check_failed', the failed
-- checks in rejection_message), its rows stay in raw, and it is never a provider's newest delivery,
-- so the provider's previous passing delivery stays current and every other provider's figures
-- are built. This file holds only the succession view: the revisions' vintage database applies it
-- too (warehouse/revisions.py).
CREATE OR REPLACE VIEW raw.delivery_succession AS
SELECT delivery_id, provider_id, period, exported_at, registered_at,
       lead(period) OVER (
           PARTITION BY provider_id ORDER BY period, exported_at, registered_at
       ) AS superseded_from
FROM raw.deliveries
WHERE state NOT IN ('rejected', 'held');
