"""Runtime settings from environment variables (design §7), with defaults for a local run."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "var"
# Only for local demo runs: production runs must set KIM_PSEUDONYM_KEY to the KI's secret.
DEMO_PSEUDONYM_KEY = "kim-demo-key-not-for-production"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    reports_dir: Path
    config: Path
    pseudonym_key: str
    suppression_k: int

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {
            "landing_dir": Path(env.get("KIM_LANDING_DIR", DEFAULT_DATA_DIR / "landing")),
            "warehouse": Path(env.get("KIM_WAREHOUSE", DEFAULT_DATA_DIR / "warehouse.duckdb")),
            "reports_dir": Path(env.get("KIM_REPORTS_DIR", DEFAULT_DATA_DIR / "reports")),
            "config": Path(env.get("KIM_CONFIG", PROJECT_ROOT / "config" / "leverkusen.yaml")),
            "pseudonym_key": env.get("KIM_PSEUDONYM_KEY", ""),
            "suppression_k": int(env.get("KIM_SUPPRESSION_K", "5")),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if not values["pseudonym_key"]:
            warnings.warn(
                "KIM_PSEUDONYM_KEY is not set: using the public demo key. "
                "Set KIM_PSEUDONYM_KEY to the KI's secret for real deliveries.",
                stacklevel=2,
            )
            values["pseudonym_key"] = DEMO_PSEUDONYM_KEY
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.suppression_k < 2:
            raise ValueError("KIM_SUPPRESSION_K must be at least 2")
        return settings
