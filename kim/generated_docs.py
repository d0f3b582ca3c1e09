"""The command line of a document written from code (docs/indicators.md, docs/de/austauschformat.md):
print it, or with `--check FILE` exit 1 when FILE is stale."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def generated_doc_main(argv: list[str], render: Callable[[], str], module: str, usage: str | None) -> int:
    if argv[:1] == ["--check"] and len(argv) == 2:
        if Path(argv[1]).read_text(encoding="utf-8") != render():
            print(f"{argv[1]} is stale: run python -m {module} > {argv[1]}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(usage, file=sys.stderr)
        return 2
    sys.stdout.write(render())
    return 0
