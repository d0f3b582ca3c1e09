-- Up to $limit quarantined rows of the given deliveries, shared fairly between providers: each
-- provider's rows are numbered by table, file and line, and the first of every provider are
-- taken in turn. Returned in display order (provider, table, file, line).
WITH ranked AS (
    SELECT q.provider_id, q.delivery_id, q.table_name, q.file_name, q.source_row, q.column_name,
           q.rule, q.value, q.expected, q.record_key,
           coalesce(p.provider_name, q.provider_id) AS sort_name,
           row_number() OVER (
               PARTITION BY q.provider_id
               ORDER BY q.table_name, q.file_name, q.source_row, q.column_name NULLS FIRST, q.rule
           ) AS rank_in_provider
    FROM quarantine.rejected_rows q
    LEFT JOIN marts.dim_providers p USING (provider_id)
    WHERE list_contains($delivery_ids, q.delivery_id)
),
taken AS (
    SELECT *
    FROM ranked
    ORDER BY rank_in_provider, sort_name, provider_id
    LIMIT $limit
)
SELECT provider_id, delivery_id, table_name, file_name, source_row, column_name, rule, value,
       expected, record_key
FROM taken
ORDER BY sort_name, provider_id, table_name, file_name, source_row, column_name NULLS FIRST, rule
