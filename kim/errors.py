"""The one error type for a delivery that cannot be accepted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class DeliveryRejected(Exception):
    """A delivery breaks a rule; nothing of it is loaded.

    `file_name` and `source_row` (1-based line in the file, header = line 1) pinpoint the problem
    where one place is at fault; `rule` is a short stable name data stewards can filter on.
    """

    delivery_dir: Path
    rule: str
    message: str
    file_name: str | None = None
    source_row: int | None = None
    # Row-level problems behind a rejection (a polars frame of checks.findings.VIOLATION_SCHEMA).
    violations: Any = None

    def __str__(self) -> str:
        where = str(self.delivery_dir)
        if self.file_name:
            where += f"/{self.file_name}"
        if self.source_row is not None:
            where += f", line {self.source_row}"
        return f"{where}: [{self.rule}] {self.message}"


# kim check's one pass (issue 18): problems of the whole delivery are collected in a list instead
# of raised where the rows can still be read after them; None (the pipeline): the first one raises.
Problems = list[DeliveryRejected] | None


def noted(problems: Problems, rejection: DeliveryRejected) -> None:
    """Raise `rejection`, or keep it in `problems` (kim check) so the check goes on."""
    if problems is None:
        raise rejection
    problems.append(rejection)


def workbook_library_errors() -> tuple[type[BaseException], ...]:
    """The error types of the XLSX reader (fastexcel/calamine). transforms.decode.read_xlsx_tables
    translates the ones of opening a workbook, but loading a sheet can fail too (a sheet listed in
    the workbook but missing from the archive, damaged sheet XML, cell types it cannot combine):
    callers translate those into an `xlsx_unreadable` rejection instead of crashing a run."""
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - fastexcel is a dependency
        return ()
    return (fastexcel.FastExcelError,)


def unreadable_workbook(delivery_dir: Path, error: BaseException, file_name: str = "export.xlsx") -> DeliveryRejected:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return DeliveryRejected(
        delivery_dir,
        "xlsx_unreadable",
        f"a sheet of the workbook cannot be read ({first_line}); export the workbook again",
        file_name=file_name,
    )
