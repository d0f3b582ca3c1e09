"""The disclosure audit (design §6, issue 15): the reader's linear system built from the indicator
specs (margins from `adds_up`, the declared `relations`, the legend, integrality) over the cells of
a release, and for every hidden count the feasible integer interval that reader can deduce, per
independent block with HiGHS. Pure: no warehouse, no reports (warehouse/disclosure_audit.py reads
the marts and stores the result).
"""

from transforms.disclosure.audit import (
    ENGINE_VERSION,
    OUTSIDE,
    RESULT_SCHEMA,
    AuditResult,
    ReleaseSystem,
    audit,
    audit_release,
    build_system,
)
from transforms.disclosure.cells import CELL_SCHEMA, PUBLIC_SCHEMA, STATUSES, cell_name

__all__ = [
    "CELL_SCHEMA",
    "ENGINE_VERSION",
    "OUTSIDE",
    "PUBLIC_SCHEMA",
    "RESULT_SCHEMA",
    "STATUSES",
    "AuditResult",
    "ReleaseSystem",
    "audit",
    "audit_release",
    "build_system",
    "cell_name",
]
