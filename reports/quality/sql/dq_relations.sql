-- Tables and views of the warehouse with their columns (which optional inputs exist).
SELECT table_schema, table_name, column_name
FROM information_schema.columns
WHERE table_catalog = current_database()
  AND table_schema IN ('marts', 'dq', 'quarantine', 'staging')
ORDER BY table_schema, table_name, ordinal_position
