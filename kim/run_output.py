"""What `kim run` and `kim demo` print about a run: its stages as one progress line, the held
deliveries, the disclosure audit's verdict (kim.cli)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import Progress, TaskID

from kim.text import for_terminal


class StageProgress:
    """The Dagster steps as one progress line of their own: the stage running, its latest message
    and how many stages have started."""

    def __init__(self, progress: Progress) -> None:
        self.progress, self.steps = progress, 0
        self.task: TaskID | None = None

    def __call__(self, step: str, message: str | None) -> None:
        if self.task is None:
            self.task = self.progress.add_task("Stages", total=None)
        name = step.replace("__", "/")
        if message is None:
            self.steps += 1
            self.progress.update(self.task, description=f"Stage {name}", completed=self.steps)
        else:
            self.progress.update(self.task, description=f"Stage {name}: {for_terminal(message)[:70]}")


def folder_name(delivery_dir: Path) -> str:
    return f"{delivery_dir.parent.name}/{delivery_dir.name}"


def held_deliveries(result) -> list[str]:
    """The deliveries held in this run (warehouse.containment), from staging's metadata."""
    from pipelines.defs.staging import HELD_METADATA

    held: list[str] = []
    for event in result.get_asset_materialization_events():
        entry = event.materialization.metadata.get(HELD_METADATA)
        if entry is not None and entry.value:
            held += str(entry.value).split(",")
    return held


def print_failed_audit(console: Console, check) -> bool:
    """The disclosure audit's verdict in German; True when it stopped publication."""
    import dagster as dg

    unprotected = check.metadata.get("unprotected")
    count = unprotected.value if unprotected is not None else "?"
    enforced = check.severity == dg.AssetCheckSeverity.ERROR
    if enforced:
        console.print(
            f"[red]Geheimhaltungsprüfung nicht bestanden:[/red] {count} verdeckte Zahlen lassen sich zu eng "
            "eingrenzen. Die Berichte wurden NICHT veröffentlicht; die bisher veröffentlichten bleiben "
            "unverändert. Einzelheiten: `kim audit` und der interne Datenqualitätsbericht."
        )
    else:
        console.print(
            f"[yellow]Warnung – Geheimhaltungsprüfung nicht bestanden:[/yellow] {count} verdeckte Zahlen lassen "
            "sich zu eng eingrenzen. Demo-Modus bzw. KIM_DISCLOSURE_AUDIT=warn: die Berichte wurden trotzdem "
            "geschrieben. Mit echten Daten wird so nichts veröffentlicht."
        )
    return enforced
