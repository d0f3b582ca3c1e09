-- 0004: "the newest accepted delivery of a provider", written once. Deliveries are full snapshots;
-- a provider's delivery stays its newest from its period until the next non-rejected delivery
-- (a later period, or the same period exported later) takes over. `superseded_from` is the period
-- of that next delivery (NULL: still the newest). So:
--   current delivery:          superseded_from IS NULL
--   newest as of month V:      period <= V AND (superseded_from IS NULL OR superseded_from > V)
-- The register state (accepted/superseded), staging.current_deliveries and the revisions' vintages
-- all read this view.
CREATE VIEW raw.delivery_succession AS
SELECT delivery_id, provider_id, period, exported_at, registered_at,
       lead(period) OVER (
           PARTITION BY provider_id ORDER BY period, exported_at, registered_at
       ) AS superseded_from
FROM raw.deliveries
WHERE state <> 'rejected';
