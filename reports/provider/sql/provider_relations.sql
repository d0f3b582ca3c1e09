-- Which delivery tables exist (older or hand-built warehouses may lack some).
SELECT table_name
FROM information_schema.tables
WHERE table_catalog = current_database()
  AND table_schema = 'marts'
  AND table_name IN ('fct_deliveries', 'delivery_timeliness')
