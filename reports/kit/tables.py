"""The view model handed to the templates: display strings and `Cell`s only, no raw figures.
One of each kind of table, shared by all reports."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from reports.suppression import Cell


@dataclass(frozen=True)
class Column:
    indicator_id: str  # or another key of the column (a code, "funded_fte", …)
    header: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: bool = False
    badge: str | None = None


@dataclass(frozen=True)
class Table:
    """Rows × indicator columns. `chart_id`: the chart whose values the table holds. `note`: why
    the table is not shown (its breakdown is not published for the period, reports.kit.text);
    `footnote`: that some of its columns are not (their breakdown is not published)."""

    columns: list[Column]
    rows: list[Row]
    chart_id: str | None = None
    note: str | None = None
    footnote: str | None = None  # under the table: some of its columns are not published
    # A column whose breakdown is published with small groups pooled ("Übrige"), as a table of
    # its own (its rows differ from the table's): one per such column.
    pooled: tuple[Table, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.rows and not self.pooled


@dataclass(frozen=True)
class DataColumn:
    key: str  # e.g. a period
    header: str  # short header
    title: str = ""  # full header (shown as a tooltip)


@dataclass(frozen=True)
class DataTable:
    """A compact table with the values behind a chart. Rows are series (row.key = indicator),
    columns e.g. months (column.key = period)."""

    table_id: str
    caption: str
    first_header: str
    columns: list[DataColumn]
    rows: list[Row]


@dataclass(frozen=True)
class ChartBlock:
    """A chart (inline SVG) with what a reader needs besides the picture: a note on values left
    out for privacy, and the values as a table — either own `data` tables printed with the
    chart, or `table_ref`, the id of a table on the same page that holds the chart's values."""

    svg: Markup | None
    omitted_note: str | None = None
    data: tuple[DataTable, ...] = ()
    table_ref: str | None = None
    table_ref_caption: str = ""


@dataclass(frozen=True)
class MatrixRow:
    key: str
    label: str
    cells: list[tuple[str, Cell]]  # (data key, cell); the last is the row total
    total: bool = False


@dataclass(frozen=True)
class Matrix:
    """A crossed breakdown (rows × columns) with row and column totals (the last row)."""

    indicator_id: str
    row_header: str
    columns: list[Column]  # Column.indicator_id holds the column code
    total_header: str
    rows: list[MatrixRow]
    hidden_share: float = 0.0  # share of the inner cells that are hidden (for the text)
    note: str | None = None  # why the matrix is not shown (not published for the period)
    remark: str | None = None  # how the matrix was shaped (categories pooled), printed above it

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Definition:
    term: str
    text: str
