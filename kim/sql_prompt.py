"""`kim sql`: read-only queries of the warehouse for analysts, one at a time or at a prompt
(kim.cli). The duckdb library of the project's own environment reads the file, so its format
always matches."""

from __future__ import annotations

import sys

import duckdb
from rich.console import Console

from kim.text import for_terminal

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
            relation.pl().write_csv(sys.stdout)
        else:
            relation.show(max_rows=200, max_width=200)
        return True
    except duckdb.Error as error:
        console.print(f"Fehler: {for_terminal(error)}", markup=False, soft_wrap=True)
        return False


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
