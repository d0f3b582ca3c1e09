"""The programme configuration: providers, their profiles and the budget (design §3).

Loaded from a YAML file (`KIM_CONFIG`, default `config/leverkusen.yaml`). Errors name the file and
the entry so a KI analyst can fix the configuration without reading code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kim.contract import TABLES, TABLES_BY_PROVIDER_KIND

PROVIDER_KINDS = tuple(TABLES_BY_PROVIDER_KIND)


class ConfigError(ValueError):
    """The configuration file is invalid."""


@dataclass(frozen=True)
class Profile:
    """How one provider's export maps onto exchange format v1."""

    name: str
    format: str  # "csv" or "xlsx"
    encoding: str = "utf-8-sig"
    delimiter: str = ";"
    quote: str = '"'
    date_format: str = "%d.%m.%Y"
    # The decimal separator of numbers. v1 numbers are whole: "45,00" is read as 45, "45,5" is an error.
    decimal_separator: str = ","
    # table -> {provider column name: exchange-format column name}
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    # column -> {provider code value: exchange-format code value}
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def column_renames(self, table: str) -> dict[str, str]:
        return dict(self.columns.get(table, {}))

    def provider_column_names(self, table: str) -> dict[str, str]:
        """Exchange-format column name -> the provider's column name."""
        return {canonical: own for own, canonical in self.columns.get(table, {}).items()}


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    kind: str
    profile: Profile
    fte: dict[int, float]

    @property
    def tables(self) -> tuple[str, ...]:
        return TABLES_BY_PROVIDER_KIND[self.kind]


@dataclass(frozen=True)
class Target:
    """A target the programme set for an indicator (issue 19), in the indicator's own unit (shares
    as fractions): `bound` 'at_least' or 'at_most' `value`; missed by at most `tolerance` is
    "knapp verfehlt" (amber)."""

    indicator_id: str
    bound: str
    value: float
    tolerance: float = 0.0


TARGET_BOUNDS = ("at_least", "at_most")


@dataclass(frozen=True)
class ProgrammeConfig:
    path: Path
    city: str
    demo_end_period: str
    first_period: str
    providers: dict[str, Provider]
    budget: dict[int, dict[str, float]]
    # The city's district codes (exchange-format column `district`): a delivery with any other
    # value is rejected, since a free field is where names and addresses slip in. Empty: not
    # configured, and only the code-word rule applies (checks.pii.FREE_CODE).
    districts: tuple[str, ...] = ()
    # Targets per indicator, shown as traffic lights (the indicator ids are checked by the reports,
    # which know the indicator registry: reports.kit.targets).
    targets: tuple[Target, ...] = ()

    def provider(self, provider_id: str) -> Provider:
        try:
            return self.providers[provider_id]
        except KeyError:
            known = ", ".join(sorted(self.providers))
            raise ConfigError(f"provider '{provider_id}' is not configured in {self.path} (known: {known})") from None


DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "leverkusen.yaml"


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise ConfigError(f"{where}: missing key '{key}'")
    return mapping[key]


def _parse_profile(name: str, raw: dict[str, Any], path: Path) -> Profile:
    where = f"{path}: profiles.{name}"
    fmt = _require(raw, "format", where)
    if fmt not in ("csv", "xlsx"):
        raise ConfigError(f"{where}: format must be 'csv' or 'xlsx', not '{fmt}'")
    columns = raw.get("columns") or {}
    for table, renames in columns.items():
        if table not in TABLES:
            raise ConfigError(f"{where}.columns: unknown table '{table}'")
        known = {column.name for column in TABLES[table]}
        for own, canonical in renames.items():
            if canonical not in known:
                raise ConfigError(f"{where}.columns.{table}: '{own}' maps to unknown column '{canonical}'")
    return Profile(
        name=name,
        format=fmt,
        encoding=raw.get("encoding", "utf-8-sig"),
        delimiter=raw.get("delimiter", ";"),
        quote=raw.get("quote", '"'),
        date_format=raw.get("date_format", "%d.%m.%Y"),
        decimal_separator=raw.get("decimal_separator", ","),
        columns={t: {str(k): str(v) for k, v in m.items()} for t, m in columns.items()},
        codes={c: {str(k): str(v) for k, v in m.items()} for c, m in (raw.get("codes") or {}).items()},
    )


def load_config(path: Path | str | None = None) -> ProgrammeConfig:
    path = Path(path) if path else DEFAULT_CONFIG_PATH
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist (set KIM_CONFIG)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"configuration file {path} cannot be read: {error.__class__.__name__}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"configuration file {path} is not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"configuration file {path} must hold a mapping (city, providers, profiles, …)")
    profiles = {
        name: _parse_profile(name, spec, path) for name, spec in (_require(raw, "profiles", str(path)) or {}).items()
    }
    providers: dict[str, Provider] = {}
    for index, spec in enumerate(_require(raw, "providers", str(path))):
        where = f"{path}: providers[{index}]"
        provider_id = str(_require(spec, "id", where))
        kind = _require(spec, "kind", where)
        if kind not in PROVIDER_KINDS:
            raise ConfigError(f"{where}: kind must be one of {PROVIDER_KINDS}, not '{kind}'")
        profile_name = spec.get("profile", "reference")
        if profile_name not in profiles:
            raise ConfigError(f"{where}: unknown profile '{profile_name}'")
        if provider_id == "all":
            raise ConfigError(f"{where}: 'all' is reserved for the whole city")
        if provider_id in providers:
            raise ConfigError(f"{where}: duplicate provider id '{provider_id}'")
        providers[provider_id] = Provider(
            id=provider_id,
            name=str(_require(spec, "name", where)),
            kind=kind,
            profile=profiles[profile_name],
            fte={int(year): float(value) for year, value in (spec.get("fte") or {}).items()},
        )
    return ProgrammeConfig(
        path=path,
        city=str(raw.get("city", "")),
        demo_end_period=str(raw.get("demo_end_period", "2026-10")),
        first_period=str(raw.get("first_period", "2024-01")),
        providers=providers,
        budget={int(y): dict(v) for y, v in (raw.get("budget") or {}).items()},
        districts=_districts(raw.get("districts"), path),
        targets=_targets(raw.get("targets"), path),
    )


DISTRICT_CODE = re.compile(r"^[a-z0-9_]{1,40}$")


def _districts(raw: Any, path: Path) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(code, str) and DISTRICT_CODE.match(code) for code in raw):
        raise ConfigError(f"{path}: districts must be a list of codes (lower-case letters, digits, '_')")
    if len(set(raw)) != len(raw):
        raise ConfigError(f"{path}: districts lists a code twice")
    return tuple(raw)


def _targets(raw: Any, path: Path) -> tuple[Target, ...]:
    """`targets: {<indicator>: {at_least | at_most: <number>, tolerance: <number>}}`."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: targets must map indicator ids to {{at_least: …}} or {{at_most: …}}")
    found = []
    for indicator_id, spec in raw.items():
        where = f"{path}: targets.{indicator_id}"
        bounds = [bound for bound in TARGET_BOUNDS if isinstance(spec, dict) and bound in spec]
        if not isinstance(spec, dict) or len(bounds) != 1 or set(spec) - {*TARGET_BOUNDS, "tolerance"}:
            raise ConfigError(f"{where}: give exactly one of at_least / at_most (and optionally tolerance)")
        try:
            value, tolerance = float(spec[bounds[0]]), float(spec.get("tolerance", 0))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: the target and the tolerance must be numbers") from None
        if tolerance < 0:
            raise ConfigError(f"{where}: tolerance must not be negative")
        found.append(Target(str(indicator_id), bounds[0], value, tolerance))
    return tuple(found)
