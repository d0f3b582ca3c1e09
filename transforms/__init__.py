"""Pure shaping and indicator logic (Polars / DuckDB SQL). No Dagster imports here."""
