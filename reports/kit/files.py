"""Writing report files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> bool:
    """Write via a temporary file in the same folder, so readers never see half a report. A file
    that already holds exactly `text` is left as it is (its time too: an unchanged report is not
    rewritten); returns whether it was written."""
    try:
        if (
            path.is_file()
            and path.stat().st_size == len(text.encode("utf-8"))
            and path.read_text(encoding="utf-8") == text
        ):
            return False
    except (OSError, UnicodeDecodeError):
        pass  # unreadable: write it anew
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
