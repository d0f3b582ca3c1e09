"""`kim sql`: read-only queries of the warehouse for analysts, one at a time or at a prompt
(kim.cli). The duckdb library of the project's own environment reads the file, so its format
always matches."""

from __future__ import annotations

import sys

import duckdb
import polars as pl
from rich.console import Console

from kim.text import FORMULA_TRIGGERS, for_terminal

SQL_HELP = (
    "Abfragen enden mit ';'. .tables zeigt die Tabellen, .quit (oder Strg-D) beendet. "
    "Nur lesend: das Warehouse wird nicht verändert."
)


def run_query(con: duckdb.DuckDBPyConnection, query: str, csv: bool, console: Console) -> bool:
    """Run one statement and print its result (a table, or CSV); False after an error, shown in one line."""
    try:
        relation = con.sql(query)
        if relation is None:
            return True
        if csv:
            _inert(relation.pl()).write_csv(sys.stdout)
        else:
            relation.show(max_rows=200, max_width=200)
        return True
    except duckdb.Error as error:
        console.print(f"Fehler: {for_terminal(error)}", markup=False, soft_wrap=True)
        return False


def _inert(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as formulas made inert (kim.text.neutralise): the CSV is
    for a spreadsheet, and the warehouse holds text that providers wrote (rejection messages)."""

    def inert(name: str) -> pl.Expr:
        starts = pl.any_horizontal([pl.col(name).str.starts_with(trigger) for trigger in FORMULA_TRIGGERS])
        return pl.when(starts).then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)

    return frame.with_columns(inert(name) for name, dtype in frame.schema.items() if dtype == pl.String)


def prompt_loop(con: duckdb.DuckDBPyConnection, csv: bool, console: Console) -> None:
    """Statements read until ';', run one by one; .tables lists the tables, .quit or end of input stops."""
    pending: list[str] = []
    while True:
        try:
            line = input("kim> " if not pending else "...> ")
        except EOFError:
            return
        command = line.strip()
        if not pending and command in (".quit", ".exit"):
            return
        if not pending and command == ".tables":
            run_query(con, "SELECT table_schema, table_name FROM information_schema.tables ORDER BY ALL", csv, console)
            continue
        pending.append(line)
        if command.endswith(";"):
            run_query(con, "\n".join(pending), csv, console)
            pending = []
