"""Witness points of a large block from small parts of it (the LP bounds only; transforms.disclosure.block).

A block of a large release ties every provider's cells into one system: the providers add up to
the city, the months to the year. At tier L such a block has up to 80,000 columns, and one LP over
all of it takes a minute, so neither sweeps over the whole block nor an LP per target fit a budget.

**Soundness.** Fix every column outside a part at its true value: what is left is a small LP over
the part's columns (each row's bounds shifted by what the fixed columns contribute). Any point of
that LP, with the fixed columns at their true values, satisfies every row of the block: rows
without a column of the part hold on the true values, the others are the part's rows. So it is a
point of the reader's feasible set like any other, and counts as seen only after
`BlockModel.seen_if_feasible` has checked it against every row and bound of the whole block. A part
can only prove a target wide; it never narrows one. Targets it leaves open go on to one sweep over
the whole block (a warm basis) and their own LP bounds, so which targets are narrow, their LP
intervals and the rows named for them are the same with and without parts.

**The parts** are groups of a few providers (each with every period and breakdown of its cells),
drawn at random, deterministically per block, in a few rounds with fresh groups. A count of one
provider mostly moves against the same count of another provider (the city total stays) and against
its own other months and breakdowns (its year and total stay), and a group of providers holds all of
those. The city's own columns stay fixed: freeing them with every group doubled the time and proved
little more (measured on the largest tier-L blocks, docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import highspy
import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from transforms.disclosure.block import BlockModel, SolveStats

# Blocks with at least this many columns (and enough providers for two parts) are first swept in
# parts. Below it one sweep over the whole block is cheap (under a second at 5,000 columns).
PART_MIN_COLUMNS = 10_000
PROVIDERS_PER_PART = 8
PART_ROUNDS = 6  # rounds of fresh groups, while a round settles at least PART_GAIN of the open targets
PART_GAIN = 0.05
PART_SWEEPS = 4  # per part: the open targets up, down, then two random mixes
NO_UNIT = -1  # a column of no provider ('all'): never freed


def part_witnesses(
    model: BlockModel, units: np.ndarray, stats: SolveStats, k: int, out_of_time: Callable[[], bool]
) -> None:
    """Sweep the block's open targets in parts of PROVIDERS_PER_PART providers (`units`: each
    column's provider code, NO_UNIT for none); every optimum found, with the other columns at
    their true values, is offered to `model.seen_if_feasible`."""
    p = model.p
    providers = np.unique(units[units != NO_UNIT])
    if providers.size < 2 * PROVIDERS_PER_PART:
        return
    columns = sp.csc_matrix(p.matrix)
    activity = columns @ p.truth
    random = np.random.default_rng(p.targets.size)  # deterministic per block
    targets = p.targets
    for _ in range(PART_ROUNDS):
        before = model.open_targets(targets, k).size
        if not before:
            return
        order = random.permutation(providers)
        for start in range(0, order.size, PROVIDERS_PER_PART):
            if out_of_time():
                return
            free = np.flatnonzero(np.isin(units, order[start : start + PROVIDERS_PER_PART]))
            wanted = model.open_targets(targets[np.isin(targets, free, assume_unique=True)], k)
            if wanted.size:
                _sweep_part(model, columns, activity, free, wanted, k, stats, random)
        if before - model.open_targets(targets, k).size < PART_GAIN * before:
            return


def _sweep_part(
    model: BlockModel,
    columns: sp.csc_matrix,
    activity: np.ndarray,
    free: np.ndarray,
    wanted: np.ndarray,
    k: int,
    stats: SolveStats,
    random: np.random.Generator,
) -> None:
    """Up to PART_SWEEPS optima of the part's LP, pushing its open targets (`wanted`) up, down and
    in random mixes; stops when none is left open."""
    p = model.p
    part = columns[:, free]
    rows = np.unique(part.indices)  # the rows with a column of the part
    shift = activity[rows] - part[rows] @ p.truth[free]  # what the fixed columns contribute
    highs = highs_lp(part[rows], p.row_lower[rows] - shift, p.row_upper[rows] - shift, p.col_lower[free], p.col_upper[free])  # fmt: skip
    n = free.size
    every = np.arange(n, dtype=np.int32)
    local = np.searchsorted(free, wanted)
    point = p.truth.astype(np.float64)
    for number in range(PART_SWEEPS):
        still_open = model.open_targets(wanted, k)
        if not still_open.size:
            return
        costs = np.zeros(n)
        signs = (-1.0, 1.0)[number] if number < 2 else random.choice((-1.0, 1.0), still_open.size)
        costs[local[np.isin(wanted, still_open, assume_unique=True)]] = signs
        highs.changeColsCost(n, every, costs)
        highs.run()
        stats.lp_solves += 1
        if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            point[free] = np.asarray(highs.getSolution().col_value)
            model.seen_if_feasible(point)


def highs_lp(
    matrix: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: bool = False,
) -> highspy.Highs:
    """`row_lower <= matrix x <= row_upper`, `col_lower <= x <= col_upper` in HiGHS, no objective
    yet, quiet. An LP re-solves with primal simplex: a changed objective keeps the basis primal
    feasible, so it re-solves in a few pivots where the default (dual) simplex starts far away."""
    matrix = sp.csc_matrix(matrix)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_ = np.zeros(lp.num_col_)
    lp.col_lower_ = _finite(col_lower)
    lp.col_upper_ = _finite(col_upper)
    lp.row_lower_ = _finite(row_lower)
    lp.row_upper_ = _finite(row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * lp.num_col_
    else:
        highs.setOptionValue("simplex_strategy", 4)
    highs.passModel(lp)
    return highs


def _finite(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -highspy.kHighsInf, highspy.kHighsInf)
