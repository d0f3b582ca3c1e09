"""The reader's linear system: repeated rows are one (transforms.disclosure.system.unique_rows), the
builder keeps every entry, and a cell table's keys share their strings (cells.shared_rows)."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.disclosure.cells import shared_rows
from transforms.disclosure.system import Expression, SystemBuilder, unique_rows


def test_repeated_rows_are_kept_once_in_their_first_place():
    builder = SystemBuilder(4)
    rows = [
        ({0: 1.0, 1: -1.0}, 0.0, 0.0, "a"),
        ({2: 1.0}, 1.0, np.inf, "b"),
        ({0: 1.0, 1: -1.0}, 0.0, 0.0, "a again"),  # the same row: dropped
        ({1: -1.0, 0: 1.0}, 0.0, 0.0, "other order"),  # the same cells written in another order: dropped
        ({0: 1.0, 1: -1.0 + 1e-14}, 0.0, 0.0, "rounding"),  # the same up to 12 decimals: dropped
        ({0: 1.0, 1: -1.0}, 0.0, 1.0, "other bound"),
        ({2: 1.0}, 1.0 + 1e-11, np.inf, "b rounded"),  # the same bound up to 9 decimals: dropped
        ({3: 2.0}, 0.0, 4.0, "c"),
    ]
    for terms, lower, upper, label in rows:
        builder.add(Expression(dict(terms)), lower, upper, "equal", label)
    system = unique_rows(builder.build())
    assert system.labels == ["a", "b", "other bound", "c"]
    assert system.skipped["repeated"] == 4
    assert system.matrix.shape == (4, 4) and list(system.upper) == [0.0, np.inf, 1.0, 4.0]


def test_the_builder_keeps_every_entry_and_an_empty_system_builds():
    builder = SystemBuilder(3)
    builder.add(Expression({0: 1.0, 2: -0.5}, constant=1.0), 1.0, 3.0, "equal", "x")
    builder.add(Expression({1: 0.0}), 0.0, 0.0, "equal", "no cell")  # skipped, not an empty row
    builder.add(Expression({1: 2.0, 0: 1.0}), 0.0, 0.0, "equal", "y")
    system = builder.build()
    assert system.matrix.toarray().tolist() == [[1.0, 0.0, -0.5], [1.0, 2.0, 0.0]]
    assert system.lower.tolist() == [0.0, 0.0] and system.upper.tolist() == [2.0, 0.0]
    assert system.skipped["no cell"] == 1
    empty = SystemBuilder(2).build()
    assert empty.matrix.shape == (0, 2) and empty.matrix.nnz == 0


def test_a_tables_keys_equal_the_frames_rows_and_share_their_strings():
    frame = pl.DataFrame(
        {
            "indicator_id": ["cases_new", "cases_new", "needs_open"],
            "period": ["2025-01", "2025-02", "2025-01"],
            "provider_id": ["awo", "awo", None],
        }
    )
    rows = shared_rows(frame)
    assert rows == list(frame.iter_rows())
    assert rows[0][0] is rows[1][0] and rows[0][2] is rows[1][2]  # one object per distinct name
    assert rows[0][1] is not rows[1][1] and rows[2][2] is None
