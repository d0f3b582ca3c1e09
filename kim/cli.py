"""The `kim` command line (design §7): demo, generate, run, check, report."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kim.cli_releases import demo_release, register_release_commands
from kim.run_output import StageProgress, format_audit, report_outcome
from kim.settings import PROJECT_ROOT, MissingPseudonymKey, SettingError, Settings, WeakPseudonymKey
from kim.sql_prompt import SQL_HELP, prompt_loop, run_query
from kim.text import for_terminal

app = typer.Typer(
    help="KIM Monitor: provider deliveries -> DuckDB warehouse -> indicators -> German reports.",
    no_args_is_help=True,
    add_completion=False,
    # help texts are plain text: "[env KIM_LANDING_DIR]" is not Rich markup
    rich_markup_mode=None,
)
console = Console(stderr=True)
_DEBUG = {"on": False}  # --debug: set-up errors show their traceback


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        print(f"kim-monitor {version('kim-monitor')}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of set-up errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    _DEBUG["on"] = debug


CONFIG_ERROR = "Die Konfiguration ist nicht verwendbar: {error}. Korrigieren Sie sie (KIM_CONFIG oder --config) und starten Sie erneut; es wurde nichts geladen."
SETTING_ERROR = "Die Einstellung {name} ist nicht verwendbar: „{value}“; erwartet wird {rule}. Korrigieren Sie sie (Umgebungsvariable {name}) und starten Sie erneut; es wurde nichts geladen."
NO_LANDING = "Der Landing-Ordner {path} existiert nicht: legen Sie ihn an oder setzen Sie KIM_LANDING_DIR (oder --landing-dir) auf den Ordner der Lieferungen; es wurde nichts geladen."


@contextmanager
def _setup_errors() -> Iterator[None]:
    """A set-up error (configuration, a missing or weak key) as one German line and exit code 2;
    the traceback only with --debug."""
    from kim.config import ConfigError

    try:
        yield
    except (ConfigError, MissingPseudonymKey) as error:
        if _DEBUG["on"]:
            raise
        if isinstance(error, ConfigError):
            text = CONFIG_ERROR.format(error=shown(error))
        else:
            text = WEAK_KEY if isinstance(error, WeakPseudonymKey) else NO_KEY
        console.print(text, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_SETUP) from None


LandingOption = Annotated[Path | None, typer.Option("--landing-dir", help="Landing folder [env KIM_LANDING_DIR].")]
WarehouseOption = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB file [env KIM_WAREHOUSE].")]
ReportsOption = Annotated[Path | None, typer.Option("--reports-dir", help="Report folder [env KIM_REPORTS_DIR].")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="Programme configuration YAML [env KIM_CONFIG].")]
KOption = Annotated[int | None, typer.Option("--suppression-k", help="Minimum cell size k [env KIM_SUPPRESSION_K].")]
VerboseOption = Annotated[bool, typer.Option("--verbose", help="Show Dagster's own log of every step as well.")]

ENV_NAMES = {
    "landing_dir": "KIM_LANDING_DIR",
    "warehouse": "KIM_WAREHOUSE",
    "reports_dir": "KIM_REPORTS_DIR",
    "config": "KIM_CONFIG",
    "suppression_k": "KIM_SUPPRESSION_K",
}


def _settings(**overrides: object) -> Settings:
    """Settings from the environment; command-line options win and are exported to the environment
    so that the Dagster definitions loaded in this process see the same values."""
    for name, value in overrides.items():
        if value is not None:
            os.environ[ENV_NAMES[name]] = str(Path(value).resolve() if isinstance(value, Path) else value)
    try:
        return Settings.from_env()
    except SettingError as error:
        if _DEBUG["on"]:
            raise
        console.print(SETTING_ERROR.format(name=error.variable, value=error.raw, rule=error.german), markup=False, soft_wrap=True)  # fmt: skip
        raise typer.Exit(EXIT_SETUP) from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _generate(
    settings: Settings, months: int, seed: int, cases: int, end_period: str | None, newest_only: bool = False
) -> list[Path]:
    from kim.config import load_config
    from synthetic import generate as generate_deliveries
    from synthetic.newest_only import generate_newest_only

    config = load_config(settings.config)
    with _progress() as progress:
        task = progress.add_task("Lieferungen erzeugen", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        write = generate_newest_only if newest_only else generate_deliveries
        return write(
            config,
            settings.landing_dir,
            months=months,
            seed=seed,
            end_period=end_period,
            total_cases=cases,
            progress=advance,
        )


# Exit code when another process kept the warehouse busy for longer than KIM_LOCK_TIMEOUT
# (EX_TEMPFAIL: try again later); nothing was changed then.
EXIT_BUSY = 75


def _waiting(message: str) -> None:
    from pipelines.warehouse_lock import german

    console.print(f"[yellow]{for_terminal(german(message))}[/yellow]")


# Text a provider controls (folder names, manifest strings, messages quoting them) for the terminal.
shown = for_terminal


EXIT_SETUP = 2  # the run could not start (docs/operations.md)
NO_KEY = (
    "Kein Schlüssel für die Pseudonymisierung: KIM_PSEUDONYM_KEY ist nicht gesetzt. Setzen Sie den "
    "geheimen Schlüssel des KI (docs/security.md, „Pseudonymisation“) und starten Sie erneut; für "
    "synthetische Beispieldaten gibt es `kim demo`. Es wurde nichts geladen."
)
WEAK_KEY = (
    "Der Schlüssel für die Pseudonymisierung (KIM_PSEUDONYM_KEY) ist zu schwach: er braucht mindestens "
    "256 Bit, z. B. 43 zufällige Base64-Zeichen. Erzeugen Sie einen mit `kim key new` und bauen Sie "
    "ein mit dem schwachen Schlüssel gebautes Warehouse neu auf. Es wurde nichts geladen."
)


def _busy(busy: Exception) -> None:
    from pipelines.warehouse_lock import german

    console.print(f"[red]Warehouse belegt:[/red] {for_terminal(german(busy))}", soft_wrap=True)
    raise typer.Exit(EXIT_BUSY)


def _run_pipeline(
    settings: Settings,
    full: bool = False,
    command: str = "kim run",
    verbose: bool = False,
    expected_rejections: frozenset[str] = frozenset(),
    month_by_month: bool = False,
) -> bool:
    """Load new deliveries and materialise everything after them in this process, recorded in the
    Dagster instance (DAGSTER_HOME), so the runs show in `dagster dev` (job kim_run). Progress is
    one line per stage; `verbose`: Dagster's own log as well."""
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    os.environ.setdefault("KIM_DAGSTER_DIR", str(PROJECT_ROOT / "var" / "dagster"))
    import warnings

    import dagster as dg

    if not verbose:  # our own definitions use parameters Dagster calls beta: not the user's concern
        warnings.filterwarnings("ignore", category=dg.BetaWarning)

    from pipelines.definitions import defs
    from pipelines.runner import run_pipeline
    from pipelines.warehouse_lock import WarehouseBusy, WarehouseLocked, warehouse_lock

    definitions = defs()
    try:
        # The run lock first: one `kim run` at a time per warehouse, from opening the Dagster
        # instance (a fresh one is created on first use) to the last report.
        with (
            warehouse_lock(
                settings.warehouse, command, timeout=settings.lock_timeout, on_wait=_waiting, command=command
            ),
            dg.DagsterInstance.get() as instance,
            _progress() as progress,
        ):
            task = progress.add_task("Lieferungen laden", total=None)
            run = run_pipeline(
                definitions,
                settings,
                instance,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
                full=full,
                holder=command,
                on_step=StageProgress(progress),
                verbose=verbose,
                month_by_month=month_by_month,
            )
    except (WarehouseBusy, WarehouseLocked) as busy:  # another process, e.g. an analyst's session
        _busy(busy)
    return report_outcome(console, run, expected_rejections)


def _print_reports(settings: Settings) -> None:
    internal = settings.internal_reports / "index.html"
    if internal.is_file():
        console.print(f"[yellow]Interne Berichte (nur Datenverantwortliche):[/yellow] {internal}")
    index = settings.reports_dir / "index.html"
    if index.is_file():
        console.print(f"[green]Berichte:[/green] {index}")
        if not sys.stdout.isatty():
            print(index)  # for scripts: the one thing they need (on a terminal the line above says it)


@app.command()
def generate(
    months: Annotated[int | None, typer.Option(help="Monthly deliveries per provider [24, or the scale's].")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 42,
    cases: Annotated[int | None, typer.Option(help="Cases in total over all providers [3000, or the scale's].")] = None,
    end_period: Annotated[str | None, typer.Option(help="Last period YYYY-MM [config demo_end_period].")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Landing folder to write to [env KIM_LANDING_DIR].")] = None,
    config: ConfigOption = None,
    scale: Annotated[
        str | None,
        typer.Option(
            "--scale",
            help="A tier of design §8: S (Leverkusen), M (a large city, 13 providers x 36 months), "
            "L (all of NRW: 265 providers, ~500,000 cases, ~10 million contacts; the newest delivery of "
            "each provider only). Sets config, months and cases; see docs/performance.md.",
        ),
    ] = None,
) -> None:
    """Write synthetic deliveries for the configured providers (deterministic by seed)."""
    chosen = None
    if scale is not None:
        from synthetic.scales import SCALES

        chosen = SCALES.get(scale.upper())
        if chosen is None:
            console.print(f"[red]--scale ist eine der Stufen {', '.join(SCALES)}, nicht {for_terminal(scale)!r}[/red]")
            raise typer.Exit(2)
        if config is not None:
            console.print("[red]--scale bringt seine eigene Konfiguration mit: --config weglassen[/red]")
            raise typer.Exit(2)
        config = chosen.config
    settings = _settings(landing_dir=out, config=config)
    months = months or (chosen.months if chosen else 24)
    cases = cases or (chosen.cases if chosen else 3000)
    started = time.perf_counter()
    written = _generate(settings, months, seed, cases, end_period, newest_only=bool(chosen and chosen.newest_only))
    from babel.numbers import format_decimal

    seconds = format_decimal(time.perf_counter() - started, format="#,##0.0", locale="de_DE")
    console.print(f"{len(written)} Lieferungen in {settings.landing_dir} ({seconds} s)")


@app.command()
def run(
    landing_dir: LandingOption = None,
    warehouse: WarehouseOption = None,
    reports_dir: ReportsOption = None,
    config: ConfigOption = None,
    suppression_k: KOption = None,
    full: Annotated[
        bool, typer.Option("--full", help="Recompute every indicator month, not only those new deliveries can change.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Materialise every asset headless: load deliveries, validate, compute indicators, render reports."""
    settings = _settings(
        landing_dir=landing_dir,
        warehouse=warehouse,
        reports_dir=reports_dir,
        config=config,
        suppression_k=suppression_k,
    )
    if not settings.landing_dir.is_dir():
        console.print(NO_LANDING.format(path=shown(settings.landing_dir)), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_SETUP)
    with _setup_errors():
        ok = _run_pipeline(settings, full=full, verbose=verbose)
    _print_reports(settings)
    if not ok:
        raise typer.Exit(1)


@app.command()
def demo(
    landing_dir: LandingOption = None,
    warehouse: WarehouseOption = None,
    reports_dir: ReportsOption = None,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic data.")] = 42,
    verbose: VerboseOption = False,
) -> None:
    """Generate the default synthetic deliveries (Leverkusen, 24 months), run everything, show the reports."""
    os.environ["KIM_DEMO_MODE"] = "1"
    if not os.environ.get("KIM_PSEUDONYM_KEY"):
        console.print("Demo-Modus: synthetische Daten, Pseudonyme mit dem öffentlichen Demo-Schlüssel.")
    settings = _settings(landing_dir=landing_dir, warehouse=warehouse, reports_dir=reports_dir)
    started = time.perf_counter()
    written = _generate(settings, months=24, seed=seed, cases=3000, end_period=None)
    faults = _seed_faults(settings, sorted({folder.name for folder in written}))
    with _setup_errors():
        ok = _run_pipeline(
            settings,
            command="kim demo",
            verbose=verbose,
            expected_rejections=frozenset(f.folder_name for f in faults if f.kind == "rejected"),
            month_by_month=True,  # as a warehouse fed monthly: the data-quality report has a history
        )
    ok = ok and demo_release(settings)
    console.print(f"Demo fertig nach {time.perf_counter() - started:.0f} s")
    _print_reports(settings)
    if not ok:
        raise typer.Exit(1)


def _seed_faults(settings: Settings, periods: list[str]) -> list:
    """The demo's faults (synthetic.faults), listed so that nobody mistakes them for a bug."""
    from kim.config import load_config
    from synthetic.faults import seed_demo_faults

    faults = seed_demo_faults(settings.landing_dir, load_config(settings.config), periods)
    if faults:
        console.print("Absichtlich eingebaute Fehler (für den Datenqualitätsbericht):")
        for fault in faults:
            console.print(f"  {fault.provider_id} {fault.period}: {fault.description}", markup=False)
    return faults


@app.command()
def report(
    warehouse: WarehouseOption = None,
    reports_dir: ReportsOption = None,
    config: ConfigOption = None,
    suppression_k: KOption = None,
    period: Annotated[
        str | None, typer.Option(help="Report month YYYY-MM [every month; provider reports: the newest].")
    ] = None,
) -> None:
    """Render the published reports (monthly, provider feedback, annual, index) from the warehouse as
    it is, without loading anything."""
    import duckdb

    from kim.config import load_config
    from pipelines.warehouse_lock import WarehouseBusy, warehouse_lock
    from reports.kit.chart_cache import chart_cache
    from reports.publish import render_published_reports
    from warehouse.migrate import connect

    settings = _settings(warehouse=warehouse, reports_dir=reports_dir, config=config, suppression_k=suppression_k)
    with _setup_errors():
        city = load_config(settings.config).city
    try:
        with warehouse_lock(
            settings.warehouse, "kim report", timeout=settings.lock_timeout, on_wait=_waiting, command="kim report"
        ):
            con = connect(settings.warehouse)
            try:
                with chart_cache(settings.chart_cache):
                    render_published_reports(
                        con,
                        settings.reports_dir,
                        city=city,
                        k=settings.suppression_k,
                        period=period,
                    )
            finally:
                con.close()
    except WarehouseBusy as busy:
        _busy(busy)
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        _busy(
            RuntimeError(
                f"ein anderer Prozess hat {settings.warehouse} geöffnet: {error}. Es wurde nichts geändert. "
                "Schließen Sie ihn (eine DuckDB-Sitzung?) oder warten Sie auf den Lauf, der es hält, und starten "
                "Sie dann `kim report` erneut."
            )
        )
    _print_reports(settings)


@app.command()
def check(
    delivery_dir: Annotated[Path, typer.Argument(help="A delivery folder <provider>/<YYYY-MM>/ to check.")],
    config: ConfigOption = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of the result: de or en.")] = "de",
    html: Annotated[Path | None, typer.Option("--html", help="Also write the result as a printable HTML page.")] = None,
) -> None:
    """Prüft einen Export vor dem Versand: dieselben Regeln wie beim Laden, ohne Warehouse.

    Nennt jedes Problem mit Datei, Zeile und Spalte in den eigenen Spaltennamen des Trägers (--lang en:
    English). Exit code 0: the delivery passes; 1: it does not.
    """
    from checks.provider_terms import LANGUAGES
    from pipelines.self_check import check_delivery

    if lang not in LANGUAGES:
        raise typer.BadParameter(f"'{lang}': de or en", param_hint="--lang")
    settings = _settings(config=config)
    with _setup_errors():
        text, passed = check_delivery(delivery_dir.resolve(), settings.config, lang, html)
    typer.echo(text)
    if not passed:
        raise typer.Exit(1)


@app.command()
def manifest(
    delivery_dir: Annotated[Path, typer.Argument(help="The export folder, e.g. awo/2026-10.")],
    provider: Annotated[str | None, typer.Option(help="Provider id [the folder's parent folder].")] = None,
    period: Annotated[str | None, typer.Option(help="Report month YYYY-MM [the folder's name].")] = None,
    config: ConfigOption = None,
) -> None:
    """Schreibt die manifest.json eines Exports: Dateien, Zeilenzahlen und Prüfsummen, wie die
    Prüfung sie erwartet (danach: kim check). Exit code 0: geschrieben, 1: nicht möglich."""
    from kim.config import load_config
    from transforms.manifest_writer import ManifestProblem, build_manifest, write_manifest

    settings = _settings(config=config)
    folder = delivery_dir.resolve()
    with _setup_errors():
        programme = load_config(settings.config)
    if not folder.is_dir():
        console.print(f"Der Ordner {shown(folder)} existiert nicht.", markup=False)
        raise typer.Exit(1)
    try:
        written = build_manifest(folder, programme, provider_id=provider, period=period)
    except ManifestProblem as problem:
        console.print(shown(str(problem)), markup=False, soft_wrap=True)
        raise typer.Exit(1) from None
    path = write_manifest(folder, written)
    rows = sum(entry["rows"] for entry in written["files"].values())
    files = len(written["files"])
    german_rows = f"{rows:,}".replace(",", ".")
    typer.echo(
        f"{path} geschrieben: {files} Datei{'en' if files != 1 else ''}, {german_rows} Zeilen, "
        f"Träger {written['provider_id']}, Berichtsmonat {written['period']}."
    )


@app.command()
def sql(
    query: Annotated[str | None, typer.Argument(help="One query; none: an interactive prompt.")] = None,
    warehouse: WarehouseOption = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print the result as CSV (for a spreadsheet).")] = False,
) -> None:
    """Abfragen des Warehouse für Analystinnen und Analysten (nur lesend), z. B.
    kim sql "SELECT * FROM marts.indicator_values LIMIT 5" (docs/de/analyse.md)."""
    import duckdb

    settings = _settings(warehouse=warehouse)
    try:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.IOException as error:
        console.print(
            f"Das Warehouse {shown(settings.warehouse)} lässt sich nicht öffnen ({shown(error)}). Läuft gerade "
            "kim run oder ein Dagster-Lauf? Versuchen Sie es danach erneut.",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_BUSY) from None
    try:
        if query is not None:
            raise typer.Exit(0 if run_query(con, query, csv, console) else 1)
        console.print(SQL_HELP, markup=False)
        prompt_loop(con, csv, console)
    finally:
        con.close()


@app.command()
def audit(
    warehouse: WarehouseOption = None,
    suppression_k: KOption = None,
    shown: Annotated[int, typer.Option("--show", help="How many unprotected figures to list.")] = 10,
    exact: Annotated[
        bool, typer.Option("--exact", help="Integer intervals (integer programming; slower) instead of LP bounds.")
    ] = False,
) -> None:
    """Die Geheimhaltungsprüfung (design §6): kann ein Leser mit allen veröffentlichten Zahlen eine
    verdeckte Zahl auf weniger als k Werte eingrenzen? Exit code 0: geschützt, 1: nicht geschützt."""
    from pipelines.warehouse_lock import WarehouseBusy, warehouse_lock
    from warehouse.disclosure_audit import run_disclosure_audit
    from warehouse.migrate import connect

    settings = _settings(warehouse=warehouse, suppression_k=suppression_k)
    try:
        with warehouse_lock(
            settings.warehouse, "kim audit", timeout=settings.lock_timeout, on_wait=_waiting, command="kim audit"
        ):
            con = connect(settings.warehouse)
            try:
                result = run_disclosure_audit(con, settings.suppression_k, exact=exact)
            finally:
                con.close()
    except WarehouseBusy as busy:
        _busy(busy)
    typer.echo(format_audit(result, shown))
    if not result.passed:
        raise typer.Exit(1)


key_app = typer.Typer(help="The pseudonymisation key (docs/security.md).")
app.add_typer(key_app, name="key")


@key_app.command("new")
def key_new() -> None:
    """Print a fresh pseudonymisation key (256 bits, base64url) to set as KIM_PSEUDONYM_KEY.

    The key is printed once and stored nowhere: keep it in the KI's secret store. A warehouse
    stays bound to the key it was built with.
    """
    import secrets

    typer.echo(secrets.token_urlsafe(32))


register_release_commands(app, _settings=_settings, _setup_errors=_setup_errors, _waiting=_waiting, _busy=_busy, console=console)  # fmt: skip

PIPELINE_EXTRA = 'extra == "pipeline"'
NEEDS_PIPELINE = (
    "Dieser Befehl braucht die vollständige Installation (es fehlt das Paket '{package}'): "
    "pip install 'kim-monitor[pipeline]'. Für Träger reichen 'kim check' und 'kim manifest'."
)


def pipeline_modules() -> set[str]:
    """The import names of the optional 'pipeline' extra (pyproject.toml), from the installed
    package's metadata: a provider's small install has only what kim check and kim manifest need."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        wanted = requires("kim-monitor") or []
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
        return set()
    names = (
        re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0] for requirement in wanted if PIPELINE_EXTRA in requirement
    )
    return {name.lower().replace("-", "_") for name in names}


def main() -> None:
    """The `kim` command: a pipeline command in a provider's small install says what to install."""
    try:
        app()
    except ModuleNotFoundError as error:
        package = (error.name or "").split(".")[0]
        if package not in pipeline_modules() or _DEBUG["on"]:
            raise
        console.print(NEEDS_PIPELINE.format(package=package), markup=False, soft_wrap=True)
        sys.exit(EXIT_SETUP)
