"""The disclosure audit (design §6, issue 15): the reader's linear system built from the indicator
specs (margins from `adds_up`, the declared `relations`, the legend, integrality) over the cells of
a release, and for every hidden count the feasible integer interval that reader can deduce, per
independent block with HiGHS. Pure: no warehouse, no reports (warehouse/disclosure_audit.py reads
the marts and stores the result).

The names below are imported on first use: the audit's worker processes import only
`transforms.disclosure.block` (NumPy, SciPy, HiGHS), and every fresh worker would otherwise pay for
Polars and the indicator registry too (about 1 s of each pool's start). The function `audit` is
not among them: its name is the submodule's, which an import of the submodule would put in its
place (`from transforms.disclosure.audit import audit`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transforms.disclosure.audit import (
        ENGINE_VERSION,
        OUTSIDE,
        RESULT_SCHEMA,
        AuditResult,
        ReleaseSystem,
        audit_release,
        build_system,
    )
    from transforms.disclosure.cells import CELL_SCHEMA, PUBLIC_SCHEMA, STATUSES, cell_name

_AUDIT_NAMES = ("ENGINE_VERSION", "OUTSIDE", "RESULT_SCHEMA", "AuditResult", "ReleaseSystem", "audit_release", "build_system")  # fmt: skip
_CELL_NAMES = ("CELL_SCHEMA", "PUBLIC_SCHEMA", "STATUSES", "cell_name")
_HOME = {**dict.fromkeys(_AUDIT_NAMES, "transforms.disclosure.audit"), **dict.fromkeys(_CELL_NAMES, "transforms.disclosure.cells")}  # fmt: skip

__all__ = [
    "CELL_SCHEMA",
    "ENGINE_VERSION",
    "OUTSIDE",
    "PUBLIC_SCHEMA",
    "RESULT_SCHEMA",
    "STATUSES",
    "AuditResult",
    "ReleaseSystem",
    "audit_release",
    "build_system",
    "cell_name",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value
