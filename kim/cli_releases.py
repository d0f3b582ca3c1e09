"""`kim publish`, `kim approve`, `kim releases` (issue 19): registered on the `kim` app by
kim.cli. A release is built, checked by a person and only then published; see docs/de/berichte.md
("Veröffentlichen")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import typer

EXIT_REFUSED = 1
# kim.cli's shared helpers (_settings, _setup_errors, _waiting, _busy, console), handed over by
# register_release_commands: this module sits below kim.cli and never imports it.
_HELPERS = SimpleNamespace()


def _cli() -> Any:
    return _HELPERS


WarehouseOption = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB file [env KIM_WAREHOUSE].")]


@contextmanager
def _refusals(headline: str) -> Iterator[None]:
    """A busy warehouse exits 75 (kim.cli), a refused release 1 with its German reason."""
    from pipelines.warehouse_lock import WarehouseBusy
    from reports.release import ReleaseError

    cli = _cli()
    try:
        with cli._setup_errors():
            yield
    except WarehouseBusy as busy:
        cli._busy(busy)
    except ReleaseError as refused:
        cli.console.print(f"[red]{headline}:[/red] {refused}", soft_wrap=True)
        raise typer.Exit(EXIT_REFUSED) from None


def publish(
    period: Annotated[
        str | None, typer.Option("--period", help="Month YYYY-MM of the release [the newest month in the warehouse].")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Build a release: reports, downloads, open data, changes, audit verdict and manifest. It is
    published only after `kim approve`."""
    cli = _cli()
    from pipelines.releases import publish as build

    settings = cli._settings(warehouse=warehouse)
    with _refusals("Kein Release gebaut"):
        built = build(settings, period, on_wait=cli._waiting)
    record = built.record
    cli.console.print(f"Release {record.release_id} gebaut: {built.folder / 'release.html'}", soft_wrap=True)
    if built.previous is not None:
        cli.console.print(f"{built.changed_figures} Zahlen anders als in Release {built.previous.release_id}.")
    cli.console.print(
        f'Noch nicht veröffentlicht. Prüfen Sie es und geben Sie es frei: kim approve {record.release_id} --by "Name"',
        soft_wrap=True,
    )


def approve(
    release_id: Annotated[str, typer.Argument(help="The release, e.g. 2026-10.1 (see `kim releases`).")],
    by: Annotated[str, typer.Option("--by", help="Who approves (recorded with the release).")],
    warehouse: WarehouseOption = None,
) -> None:
    """Approve a built release and publish it (copied into the published folder, read-only)."""
    cli = _cli()
    from pipelines.releases import approve as publish_release

    settings = cli._settings(warehouse=warehouse)
    with _refusals("Nicht freigegeben"):
        record = publish_release(settings, release_id, by, on_wait=cli._waiting)
    cli.console.print(
        f"Release {record.release_id} freigegeben von {record.approved_by} und veröffentlicht: "
        f"{record.published_folder}/release.html",
        soft_wrap=True,
        markup=False,
    )
    cli.console.print(f"Übersicht aller Veröffentlichungen: {settings.published / 'index.html'}", soft_wrap=True)


def list_releases(
    warehouse: WarehouseOption = None,
) -> None:
    """List every release: built or approved, when and by whom."""
    cli = _cli()
    from pipelines.releases import list_releases as registered

    settings = cli._settings(warehouse=warehouse)
    with _refusals("Keine Liste"):
        records = registered(settings, on_wait=cli._waiting)
    if not records:
        typer.echo("Noch kein Release. `kim publish` baut eines.")
    for r in records:
        state = (
            f"freigegeben am {r.approved_at:%d.%m.%Y} von {r.approved_by}"
            if r.approved
            else "gebaut, nicht freigegeben"
        )
        typer.echo(f"{r.release_id}  gebaut am {r.built_at:%d.%m.%Y %H:%M}  {state}  {r.folder}")


DEMO_APPROVER = "kim demo (synthetische Daten)"


def demo_release(settings: Any) -> bool:
    """`kim demo`: build the release of the newest month and approve it itself, and say so (a real
    release is approved by a person). False when it cannot be built."""
    cli = _cli()
    from pipelines.releases import approve as publish_release
    from pipelines.releases import publish as build
    from reports.release import ReleaseError

    try:
        built = build(settings)
        record = publish_release(settings, built.record.release_id, DEMO_APPROVER)
    except ReleaseError as refused:
        cli.console.print(f"[red]Kein Release:[/red] {refused}", soft_wrap=True)
        return False
    cli.console.print(
        f"Release {record.release_id} gebaut und von „kim demo“ selbst freigegeben (synthetische Daten; ein echtes "
        f"Release gibt eine Person mit `kim approve` frei). Veröffentlicht: {settings.published / 'index.html'}",
        soft_wrap=True,
        markup=False,
    )
    return True


def register_release_commands(app: typer.Typer, **helpers: Any) -> None:
    """Add the commands to `app`; `helpers`: kim.cli's _settings, _setup_errors, _waiting, _busy
    and console."""
    vars(_HELPERS).update(helpers)
    app.command("publish")(publish)
    app.command("approve")(approve)
    app.command("releases")(list_releases)
