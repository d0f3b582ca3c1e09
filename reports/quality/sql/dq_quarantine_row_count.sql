-- Distinct rows in quarantine for the given deliveries (a row can break several rules: each is
-- one entry of quarantine.rejected_rows, the row counts once, as in raw.deliveries.quarantined_rows).
SELECT count(*) AS row_count
FROM (
    SELECT DISTINCT delivery_id, table_name, source_row
    FROM quarantine.rejected_rows
    WHERE list_contains($delivery_ids, delivery_id)
)
