"""Runtime settings from environment variables (design §7), with defaults for a local run."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "var"
# Only for synthetic demo data (KIM_DEMO_MODE=1, set by `kim demo` and `make dev`): real runs
# must set KIM_PSEUDONYM_KEY to the KI's secret. A warehouse remembers its key's fingerprint, so
# demo and real data can never be mixed in one warehouse.
DEMO_PSEUDONYM_KEY = "kim-demo-key-not-for-production"


class MissingPseudonymKey(RuntimeError):
    """No pseudonymisation key outside demo mode."""


class WeakPseudonymKey(MissingPseudonymKey):
    """A key too short or too plain to resist guessing (design §6: at least 256 bits)."""


MIN_KEY_BITS = 256
MIN_KEY_DISTINCT_CHARACTERS = 12  # a long key of few characters ("aaaa…", "abab…") is no secret
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
BASE64_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")


def key_bits(key: str) -> float:
    """An upper estimate of a key's entropy: its length times the bits per character of the
    smallest alphabet it is written in (hex 4, base64 6, any printable character 6.55). A key from
    `kim key new` (43 base64url characters of 32 random bytes) has 258."""
    characters = set(key)
    if characters <= HEX_DIGITS:
        per_character = 4.0
    elif characters <= BASE64_CHARACTERS:
        per_character = 6.0
    else:
        per_character = math.log2(94)
    return len(key) * per_character


def key_is_strong(key: str) -> bool:
    return key_bits(key) >= MIN_KEY_BITS and len(set(key)) >= MIN_KEY_DISTINCT_CHARACTERS


def require_pseudonym_key(key: str | None) -> str:
    """The key, refused when missing, or outside demo mode when weaker than MIN_KEY_BITS (the
    message never quotes the key)."""
    if not key:
        raise MissingPseudonymKey(
            "KIM_PSEUDONYM_KEY is not set. Set it to the KI's secret key before loading real "
            "deliveries; for synthetic demo data run `kim demo` (or set KIM_DEMO_MODE=1)."
        )
    if not demo_mode() and not key_is_strong(key):
        raise WeakPseudonymKey(
            f"KIM_PSEUDONYM_KEY is too weak: a key needs at least {MIN_KEY_BITS} bits (e.g. 43 random "
            "base64 characters or 64 hex digits). Make one with `kim key new`; a warehouse built "
            "with a weak key must be rebuilt with the new one."
        )
    return key


def demo_mode() -> bool:
    return os.environ.get("KIM_DEMO_MODE") == "1"


def arrival_from_file_times() -> bool:
    """Whether a delivery arrived when its manifest's file time says (KIM_ARRIVAL_FROM_FILE_TIMES=1,
    and in demo mode): only for synthetic history, whose generator dates its files. A real
    delivery arrived when the pipeline first saw it complete (design §5 delivery_on_time): copy
    tools that keep file times would make a late delivery look punctual."""
    return demo_mode() or os.environ.get("KIM_ARRIVAL_FROM_FILE_TIMES") == "1"


AUDIT_MODES = ("enforce", "warn")


# Sized for a large city (tier M, docs/performance.md): its protection passed after 1,158 s and its
# gate audit after 520 s on 2 cores; the demo needs about 135 s and 40 s.
DEFAULT_PROTECTION_SECONDS = 1800.0
DEFAULT_AUDIT_SECONDS = 1200.0


class SettingError(ValueError):
    """An environment setting that cannot be used: names the variable, its value and the rule
    (`german`: the rule for the user, printed by the CLI)."""

    def __init__(self, variable: str, raw: object, rule: str, german: str):
        super().__init__(f"{variable} must be {rule}, not {raw!r}")
        self.variable, self.raw, self.german = variable, raw, german


def _number(variable: str, raw: str) -> float:
    """`raw` as a finite number of seconds, else a SettingError."""
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise SettingError(variable, raw, "a number of seconds", "eine Zahl von Sekunden")
    return seconds


def _seconds_setting(variable: str, default: float) -> float:
    raw = os.environ.get(variable, "").strip()
    seconds = _number(variable, raw) if raw else default
    if seconds <= 0:
        raise SettingError(variable, raw, "positive", "eine positive Zahl von Sekunden")
    return seconds


def protection_budget_seconds() -> float:
    """How long the protection step (warehouse.disclosure_protection) may search for more cells
    to hide before the audit decides (KIM_PROTECTION_SECONDS, default 1,800)."""
    return _seconds_setting("KIM_PROTECTION_SECONDS", DEFAULT_PROTECTION_SECONDS)


def audit_budget_seconds() -> float:
    """How long the disclosure audit that gates publication may take (KIM_AUDIT_SECONDS, default
    1,200). A hidden figure whose protection is not proven by then counts as unprotected, so a
    release the audit could not finish is never published."""
    return _seconds_setting("KIM_AUDIT_SECONDS", DEFAULT_AUDIT_SECONDS)


# A run's stages besides the two disclosure stages (load, validation, indicators, reports): about
# 5 minutes at tier M on 2 cores (docs/performance.md), with room to spare.
RUN_WITHOUT_DISCLOSURE_SECONDS = 1800.0


def lock_timeout_seconds() -> float:
    """How long `kim run`, `kim report`, `kim publish` and `kim audit` wait for another process
    writing the same warehouse (KIM_LOCK_TIMEOUT; 0: do not wait). Default: as long as one whole
    run may take within its budgets (the protection's, the audit's and the other stages'), so that
    a scheduled run waits for one that is still within its budgets instead of giving up."""
    raw = os.environ.get("KIM_LOCK_TIMEOUT", "").strip()
    if not raw:
        return protection_budget_seconds() + audit_budget_seconds() + RUN_WITHOUT_DISCLOSURE_SECONDS
    seconds = _number("KIM_LOCK_TIMEOUT", raw)
    if seconds < 0:
        raise SettingError("KIM_LOCK_TIMEOUT", raw, "0 or more", "0 oder mehr Sekunden")
    return seconds


def _suppression_k(raw: str) -> int:
    """KIM_SUPPRESSION_K: a whole number, at least 2."""
    try:
        k = int(raw)
    except ValueError:
        k = 0
    if k < 2:
        raise SettingError("KIM_SUPPRESSION_K", raw, "a whole number, at least 2", "eine ganze Zahl ab 2")
    return k


def disclosure_audit_enforced() -> bool:
    """Whether a failed disclosure audit stops publication (KIM_DISCLOSURE_AUDIT=enforce|warn).
    Default: enforced, except in demo mode (synthetic data: nobody real to protect)."""
    mode = os.environ.get("KIM_DISCLOSURE_AUDIT", "").strip().lower()
    if mode and mode not in AUDIT_MODES:
        choices = ", ".join(AUDIT_MODES)
        raise SettingError("KIM_DISCLOSURE_AUDIT", mode, f"one of {choices}", f"einer der Werte {choices}")
    return mode == "enforce" if mode else not demo_mode()


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    reports_dir: Path
    config: Path
    pseudonym_key: str | None
    suppression_k: int
    # Internal reports (data quality) never go next to the published ones; default: a folder
    # "internal-reports" beside the reports folder.
    internal_reports_dir: Path | None = None
    chart_cache_dir: Path | None = None
    # Releases (issue 19): built by `kim publish` into releases_dir, copied into published_dir by
    # `kim approve`; default: folders "releases" and "published" beside the reports folder.
    releases_dir: Path | None = None
    published_dir: Path | None = None
    # How long `kim run` / `kim report` wait for another one writing the same warehouse (seconds;
    # from the environment: lock_timeout_seconds).
    lock_timeout: float = 1800.0

    @property
    def internal_reports(self) -> Path:
        return self.internal_reports_dir or self.reports_dir.parent / "internal-reports"

    @property
    def releases(self) -> Path:
        return self.releases_dir or self.reports_dir.parent / "releases"

    @property
    def published(self) -> Path:
        return self.published_dir or self.reports_dir.parent / "published"

    @property
    def chart_cache(self) -> Path:
        """Charts already drawn (reports.kit.chart_cache): KIM_CHART_CACHE_DIR, else a folder
        `chart-cache` beside the warehouse. Internal data; deleting it is always safe."""
        return self.chart_cache_dir or self.warehouse.parent / "chart-cache"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "landing_dir": Path(env.get("KIM_LANDING_DIR", DEFAULT_DATA_DIR / "landing")),
            "warehouse": Path(env.get("KIM_WAREHOUSE", DEFAULT_DATA_DIR / "warehouse.duckdb")),
            "reports_dir": Path(env.get("KIM_REPORTS_DIR", DEFAULT_DATA_DIR / "reports")),
            "config": Path(env.get("KIM_CONFIG", PROJECT_ROOT / "config" / "leverkusen.yaml")),
            "internal_reports_dir": Path(env["KIM_INTERNAL_REPORTS_DIR"])
            if env.get("KIM_INTERNAL_REPORTS_DIR")
            else None,
            "chart_cache_dir": Path(env["KIM_CHART_CACHE_DIR"]) if env.get("KIM_CHART_CACHE_DIR", "").strip() else None,
            "releases_dir": Path(env["KIM_RELEASES_DIR"]) if env.get("KIM_RELEASES_DIR", "").strip() else None,
            "published_dir": Path(env["KIM_PUBLISHED_DIR"]) if env.get("KIM_PUBLISHED_DIR", "").strip() else None,
            "pseudonym_key": env.get("KIM_PSEUDONYM_KEY") or (DEMO_PSEUDONYM_KEY if demo_mode() else None),
            "suppression_k": _suppression_k(env.get("KIM_SUPPRESSION_K", "5").strip()),
            "lock_timeout": lock_timeout_seconds(),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if settings.suppression_k < 2:  # an override (--suppression-k)
            raise SettingError("KIM_SUPPRESSION_K", settings.suppression_k, "a whole number, at least 2", "eine ganze Zahl ab 2")  # fmt: skip
        if settings.lock_timeout < 0:
            raise SettingError("KIM_LOCK_TIMEOUT", settings.lock_timeout, "0 or more", "0 oder mehr Sekunden")
        return settings
