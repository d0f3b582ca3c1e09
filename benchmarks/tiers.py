"""Where the benchmark lives, its fixed parameters and the scale tiers of design §8."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

BENCHMARK_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCHMARK_DIR.parent
RESULTS_DIR = BENCHMARK_DIR / "results"

SEED = 42
SUPPRESSION_K = 5


@dataclass(frozen=True)
class Tier:
    name: str
    config: Path
    months: int
    cases: int
    description: str
    newest_only: bool = False  # synthetic/newest_only.py
    validate: bool = True


def _tiers() -> dict[str, Tier]:
    """The tiers of synthetic.scales (what `kim generate --scale` writes). Every tier validates: at L
    (265 current deliveries per table) the contract runs as one SQL batch per rule
    (warehouse.validation.GX_MAX_DELIVERIES)."""
    from synthetic.scales import SCALES

    return {
        name: Tier(
            name,
            scale.config,
            scale.months,
            scale.cases,
            scale.description,
            newest_only=scale.newest_only,
        )
        for name, scale in SCALES.items()
    }


sys.path.insert(0, str(PROJECT_ROOT))
TIERS = _tiers()
