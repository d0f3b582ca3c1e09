"""Running a report's SQL files (all parameterised). Each report package keeps its queries in
its own `sql/` folder; the queries several reports share are in `reports/kit/sql/`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KIT_SQL = Path(__file__).resolve().parent / "sql"


@functools.cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


class Queries:
    """The SQL files of one folder, by name, with the kit's shared queries as a fallback."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path(self, name: str) -> Path:
        own = self.folder / f"{name}.sql"
        return own if own.is_file() else KIT_SQL / f"{name}.sql"

    def run(self, con: Any, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of query `name` as dicts (column name -> value)."""
        cursor = con.execute(_read(self.path(name)), dict(params or {}))
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


KIT = Queries(KIT_SQL)


def newest_period(con: Any, queries: Queries, query: str, empty_message: str) -> str:
    """The period a report covers by default: the first row of `query`, or ValueError."""
    rows = queries.run(con, query)
    period = rows[0]["period"] if rows else None
    if period is None:
        raise ValueError(empty_message)
    return str(period)


def latest_period(con: Any) -> str:
    """The newest month with indicator values."""
    return newest_period(con, KIT, "latest_period", "marts.indicator_values is empty: there is no period to report on")
