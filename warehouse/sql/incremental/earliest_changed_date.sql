-- The earliest date from which a difference between a provider's old and new current delivery in
-- raw.{table} can change a figure. Rows are matched on the table's key; for a changed date the old
-- and the new date count, for another changed value the date it takes effect from (its anchor,
-- e.g. a closing reason from the closing date), for an added or removed row its earliest date.
-- An indicator for month M depends only on rows dated on or before end(M), so every month before
-- the result keeps its figures. {table}, {columns}, {join}, {inserted}, {deleted} and {changed}
-- are built from exchange_format.TABLES and constants in warehouse/incremental.py, never from
-- input; the delivery pairs arrive as the registered table `changed_inputs`.
WITH new_rows AS (
    SELECT r.provider_id, {columns} FROM raw.{table} r JOIN changed_inputs c ON r.delivery_id = c.new_delivery_id
),
old_rows AS (
    SELECT r.provider_id, {columns} FROM raw.{table} r JOIN changed_inputs c ON r.delivery_id = c.old_delivery_id
)
SELECT min(
    CASE WHEN o.provider_id IS NULL THEN {inserted}
         WHEN n.provider_id IS NULL THEN {deleted}
         ELSE least({changed}) END
)
FROM new_rows n
FULL OUTER JOIN old_rows o ON n.provider_id = o.provider_id AND {join}
