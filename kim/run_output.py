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
            self.task = self.progress.add_task("Schritte", total=None)
        name = step.replace("__", "/")
        if message is None:
            self.steps += 1
            self.progress.update(self.task, description=f"Schritt {name}", completed=self.steps)
        else:
            self.progress.update(self.task, description=f"Schritt {name}: {for_terminal(message)[:70]}")


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


# What the data checks of pipelines/defs (staging, marts) test, as data stewards read it
CHECK_KIND_TEXT = {
    "contract": "{table} verletzen das Austauschformat",
    "shifts": "{table} weichen auffällig von der vorigen Lieferung ab",
}


def _metadata_text(check, key: str) -> str:
    entry = check.metadata.get(key)
    return str(entry.value) if entry is not None and entry.value else ""


def check_text(check) -> str:
    """A failed data check in German: what it found and whose deliveries; a check this does not
    know keeps its technical name (asset and check), so that nothing is hidden."""
    from reports.labels import EXCHANGE_TABLE

    if check.check_name == "no_delivery_overdue":
        late = _metadata_text(check, "overdue_list")
        period, due = _metadata_text(check, "overdue_period"), _metadata_text(check, "overdue_due_on")
        if late:
            return f"Lieferung für {period} überfällig (fällig bis {due}): {late}"
    kind, _, table = check.check_name.partition("_")
    if kind in CHECK_KIND_TEXT and table in EXCHANGE_TABLE:
        text = CHECK_KIND_TEXT[kind].format(table=f"{EXCHANGE_TABLE[table]} ({table})")
        providers = _metadata_text(check, "providers_failed")
        return f"{text}: {providers}" if providers else text
    return f"{check.asset_key.to_user_string()} {check.check_name}"


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


def print_protection_budget(console: Console, result) -> None:
    """When the protection step spent its seconds before the release passed: say so, and which
    setting gives it more. The failed audit is then the budget's doing, not the data's."""
    from babel.numbers import format_decimal

    from pipelines.defs.disclosure import INDICATOR_PUBLICATION

    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        spent = metadata.get("out_of_time")
        if event.asset_key != INDICATOR_PUBLICATION or spent is None or not spent.value:
            continue
        budget = format_decimal(metadata["budget_seconds"].value, format="#,##0.###", locale="de_DE")
        console.print(
            f"[yellow]Ursache:[/yellow] Der Schutzschritt hat seine Zeit ({budget} s, KIM_PROTECTION_SECONDS) "
            "aufgebraucht, bevor jede verdeckte Zahl geschützt war. Mehr Zeit geben (eine Großstadt braucht "
            "auf 2 Kernen etwa 20 Minuten, docs/performance.md) und `kim run` erneut starten; schon gelöste "
            "Teile werden wiederverwendet."
        )


def rejection_text(rejection) -> str:
    """A rejected delivery as `kim check` shows it to the provider (place, German rule and what to
    do, the technical detail last), so the KI and the provider read the same words."""
    from pipelines.self_check import format_rejection_finding

    place, *lines = format_rejection_finding(rejection).splitlines()
    return "\n".join([place, *("  " + line for line in lines)])


def report_outcome(console: Console, run, expected_rejections: frozenset[str]) -> bool:
    """Print what the run did (deliveries, rejections, holds, failures, checks); whether it was
    clean. docs/operations.md: exit code 1 when a delivery was rejected (other than the demo's
    seeded ones) or held or a blocking check failed, after everything that could still be done."""
    import dagster as dg

    ingest, result = run.ingest, run.result
    quarantined = "1 Zeile" if ingest.quarantined_rows == 1 else f"{ingest.quarantined_rows} Zeilen"
    console.print(
        f"Lieferungen: {len(ingest.accepted)} angenommen, {len(ingest.duplicates)} bereits geladen, "
        f"{len(ingest.rejected)} abgelehnt; {quarantined} in Quarantäne"
    )
    unexpected = [r for r in ingest.rejected if folder_name(r.delivery_dir) not in expected_rejections]
    for rejection in ingest.rejected:
        seeded = " (Demo: absichtlich eingebaut)" if rejection not in unexpected else ""
        console.print(f"[yellow]abgelehnt{seeded}:[/yellow] {for_terminal(rejection_text(rejection))}")
    held = held_deliveries(result)
    for delivery_id in held:
        console.print(
            f"[yellow]zurückgehalten:[/yellow] {for_terminal(delivery_id)} hat nach dem Laden eine blockierende "
            "Prüfung nicht bestanden; die letzte bestandene Lieferung des Trägers gilt weiter (siehe "
            "Datenqualitätsbericht)"
        )
    failures = [event for event in result.all_events if event.is_step_failure]
    for event in failures:
        console.print(f"[red]fehlgeschlagen:[/red] {event.step_key}: {for_terminal(event.message)}")
    audit_failed = blocking_failed = False
    for check in result.get_asset_check_evaluations():
        if check.passed:
            continue
        if check.check_name == "release_is_protected":
            audit_failed = print_failed_audit(console, check)
            print_protection_budget(console, result)
            continue
        if check.severity != dg.AssetCheckSeverity.ERROR:
            console.print(f"[yellow]Warnung:[/yellow] {for_terminal(check_text(check))}; siehe Datenqualitätsbericht")
            continue
        blocking_failed = True
        console.print(
            f"[red]Prüfung nicht bestanden:[/red] {for_terminal(check_text(check))}: "
            "die abhängigen Daten wurden nicht neu gebaut; siehe dq.check_results"
        )
    # docs/operations.md: exit code 1 when a delivery was rejected or held or a blocking check failed,
    # after everything that could still be done; a scheduled job must be able to notice
    clean = not failures and not audit_failed and not blocking_failed and not unexpected and not held
    return result.success and clean


def format_audit(result, shown: int = 10) -> str:
    """The audit's result in German for data stewards: counts, then the narrowest intervals."""
    counts = result.counts
    readers = len(counts["readers"])
    lines = [
        f"Geheimhaltungsprüfung (k = {result.k}): {counts['targets']} verdeckte Zahlen geprüft, aus Sicht eines "
        f"Lesers von außen und {readers - 1} Träger mit ihren eigenen Zahlen ({result.seconds['total']:.1f} s).",
    ]
    if result.passed:
        lines.append("Ergebnis: geschützt. Jede verdeckte Zahl bleibt um mindestens k unsicher.")
        return "\n".join(lines)
    from warehouse.disclosure_audit import distinct_unprotected

    lines.append(
        f"Ergebnis: NICHT geschützt. {distinct_unprotected(result)} verdeckte Zahlen lassen sich auf weniger als "
        f"{result.k} Werte eingrenzen; so darf nichts veröffentlicht werden."
    )
    budget = result.counts.get("unread", 0) + int((result.cells["method"] == "budget").sum())
    if budget:
        lines.append(
            f"Nicht fertig geprüft, weil die Zeit (KIM_AUDIT_SECONDS) abgelaufen war: {budget} Prüfungen (Zahl und Leser); "
            "sie gelten als nicht geschützt. Mehr Zeit geben oder weniger veröffentlichen (docs/privacy.md)."
        )
    worst = result.unprotected.sort(["width", "indicator_id", "period"]).head(shown)
    for row in worst.iter_rows(named=True):
        upper = "∞" if row["upper"] == float("inf") else f"{row['upper']:.0f}"
        reader = "von außen" if row["reader"] == "outside" else f"Träger {row['reader']}"
        lines.append(
            f"  {row['indicator_id']} {row['period']} {row['provider_id']} "
            f"{row['dimension']}={row['dimension_value']} ({row['column']}): {row['lower']:.0f} bis {upper} "
            f"({reader}); bindend: {', '.join(row['binding'][:3]) or '–'}"
        )
    lines.append("Alle Ergebnisse: dq.disclosure_audit_cells und dq.disclosure_audits im Warehouse.")
    return "\n".join(lines)
