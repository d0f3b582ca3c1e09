"""The scale tiers of design §8 as generator settings, shared by `kim generate --scale` and the
benchmark (benchmarks/run.py), so both write exactly the same deliveries for a tier."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Scale:
    name: str
    config: Path
    months: int
    cases: int
    description: str
    # Only each provider's newest delivery (+ the abh providers' first one): synthetic/newest_only.py.
    # Tier L's full history would be ~9,500 deliveries and ~16 GB of CSV.
    newest_only: bool = False


SCALES = {
    "S": Scale(
        "S",
        PROJECT_ROOT / "config" / "leverkusen.yaml",
        24,
        3000,
        "one city (Leverkusen): 5 providers + abh, 24 monthly deliveries, ~3,000 cases",
    ),
    "M": Scale(
        "M",
        PROJECT_ROOT / "benchmarks" / "config_m.yaml",
        36,
        40000,
        "a large city: 12 providers + abh, 36 monthly deliveries, ~40,000 cases",
    ),
    "L": Scale(
        "L",
        PROJECT_ROOT / "benchmarks" / "config_l.yaml",
        36,
        500000,
        "all of NRW: 53 districts x (4 providers + abh), ~500,000 cases, 36 months; only the "
        "newest delivery per provider is generated",
        newest_only=True,
    ),
}
