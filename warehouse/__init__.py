"""The DuckDB warehouse: schema migrations, loading deliveries, connections."""
