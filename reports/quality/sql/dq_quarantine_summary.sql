-- Quarantined rows of the given deliveries per provider, table, column and rule, with the first
-- row's value and expectation as an example.
SELECT provider_id, delivery_id, table_name, column_name, rule,
       count(*) AS row_count,
       arg_min(value, source_row) AS example_value,
       arg_min(expected, source_row) AS example_expected
FROM quarantine.rejected_rows
WHERE list_contains($delivery_ids, delivery_id)
GROUP BY ALL
ORDER BY provider_id, table_name, row_count DESC, column_name NULLS FIRST, rule
