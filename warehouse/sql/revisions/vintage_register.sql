-- The register as the vintage saw it: only the deliveries for periods up to the vintage (any later
-- one did not exist yet), the vintage's deliveries being the accepted ones. {warehouse} is the
-- quoted name of the warehouse database; the vintage's deliveries are the temp table
-- vintage_deliveries.
CREATE VIEW raw.deliveries AS
SELECT d.* REPLACE (CASE WHEN d.delivery_id IN (SELECT delivery_id FROM vintage_deliveries) THEN 'accepted'
                         ELSE 'superseded' END AS state)
FROM {warehouse}.raw.deliveries d
WHERE d.state <> 'rejected'
  AND d.period <= (SELECT max(v.period) FROM {warehouse}.raw.deliveries v
                   WHERE v.delivery_id IN (SELECT delivery_id FROM vintage_deliveries))
