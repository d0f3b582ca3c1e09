"""The reader's linear system: repeated rows are one (transforms.disclosure.system.unique_rows)."""

from __future__ import annotations

import numpy as np

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
