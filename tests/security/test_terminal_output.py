"""`kim run` prints provider-controlled text (rejections quoting folder and manifest strings, step
failures) through `kim.cli.shown` (issue 16): Rich markup in it is text, not a crash or a colour,
and escape sequences or bidi controls cannot clear the screen or reorder what a steward reads."""

from __future__ import annotations

from rich.console import Console

from kim.cli import shown

HOSTILE = "caritas[/yellow][red]OK\x1b[2J\x1b[32mOK\u202egnp.exe"


def test_hostile_text_prints_as_inert_text():
    console = Console(record=True, width=200, color_system=None)
    console.print(f"[yellow]rejected:[/yellow] {shown(HOSTILE)}")  # raised MarkupError before
    text = console.export_text()
    assert "[/yellow][red]OK" in text  # the markup is shown as typed
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "\\u202e" in text  # escaped, visible to the steward
