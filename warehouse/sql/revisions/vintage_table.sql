-- A raw table as vintage deliveries see it ({table} from exchange_format.TABLES). Tables no
-- indicator reads ({keep} = false) stay empty to save memory.
CREATE VIEW raw.{table} AS
SELECT * FROM {warehouse}.raw.{table}
WHERE {keep} AND delivery_id IN (FROM vintage_deliveries)
