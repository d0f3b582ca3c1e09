-- Which optional warehouse tables exist (older warehouses may lack some).
SELECT table_schema || '.' || table_name AS name
FROM information_schema.tables
WHERE table_schema = 'marts'
