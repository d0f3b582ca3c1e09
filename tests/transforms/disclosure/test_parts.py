"""Witness points from parts of a large block (transforms.disclosure.parts), on a table shaped like
the largest blocks of a tier-L release: providers x months x categories, each count unprinted, and
all three of its two-way margins published (the city by month and category, each provider's year by
category, each provider's monthly total)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
import scipy.sparse as sp

from transforms.disclosure import block as block_module
from transforms.disclosure import solve as solve_module
from transforms.disclosure.block import BlockModel, BlockProblem, SolveOptions, SolveStats, solve_block
from transforms.disclosure.cells import UNPRINTED, CellTable
from transforms.disclosure.parts import NO_UNIT, PROVIDERS_PER_PART, part_witnesses
from transforms.disclosure.solve import reader_view, solve_targets
from transforms.disclosure.system import LinearSystem

K = 5
PROVIDERS, MONTHS, CATEGORIES = 24, 4, 5


def three_way_table(seed: int = 7) -> tuple[np.ndarray, sp.csr_matrix, list[str]]:
    """True counts x[provider, month, category] (small and often zero, some providers busier than
    others) and the rows of its three published two-way margins (`matrix @ x` equals them)."""
    random = np.random.default_rng(seed)
    busy = random.uniform(0.3, 4.0, size=(PROVIDERS, 1, CATEGORIES))
    truth = random.poisson(busy * np.ones((1, MONTHS, 1))).astype(np.float64)
    index = np.arange(truth.size).reshape(truth.shape)
    rows: list[np.ndarray] = []
    labels: list[str] = []
    for m in range(MONTHS):
        for c in range(CATEGORIES):
            rows.append(index[:, m, c])
            labels.append(f"providers add up to all: m{m} c{c}")
    for p in range(PROVIDERS):
        for c in range(CATEGORIES):
            rows.append(index[p, :, c])
            labels.append(f"months add up to the year: p{p} c{c}")
        for m in range(MONTHS):
            rows.append(index[p, m, :])
            labels.append(f"categories add up to the total: p{p} m{m}")
    row_of = np.repeat(np.arange(len(rows)), [r.size for r in rows])
    matrix = sp.csr_matrix((np.ones(row_of.size), (row_of, np.concatenate(rows))), shape=(len(rows), truth.size))
    return truth.ravel(), matrix, labels


def table_problem(units: bool = True) -> BlockProblem:
    truth, matrix, labels = three_way_table()
    activity = matrix @ truth
    providers = np.repeat(np.arange(PROVIDERS), MONTHS * CATEGORIES)
    return BlockProblem(
        matrix=matrix.tocsc(),
        row_lower=activity,
        row_upper=activity.copy(),
        labels=labels,
        col_lower=np.zeros(truth.size),
        col_upper=np.full(truth.size, np.inf),
        truth=truth,
        names=[f"x p{p} m{m} c{c}" for p in range(PROVIDERS) for m in range(MONTHS) for c in range(CATEGORIES)],
        bound_reasons=[() for _ in range(truth.size)],
        targets=np.flatnonzero((truth >= 1) & (truth < K)),
        units=providers if units else None,
    )


@pytest.fixture
def parts_from_any_size(monkeypatch):
    """The table is far below PART_MIN_COLUMNS (a tier-L block has 10,000 columns or more)."""
    monkeypatch.setattr(block_module, "PART_MIN_COLUMNS", 0)


def test_every_point_from_a_part_satisfies_the_whole_block_and_most_targets_are_settled(monkeypatch):
    """A part fixes every other provider's cells at their true values; the point it finds, with
    those cells put back, must satisfy every row of the block (the shifted row bounds are right),
    or it would not count. Checked for every point offered."""
    problem = table_problem()
    assert problem.units is not None
    model = BlockModel(problem, relaxed=True)
    verdicts: list[bool] = []
    check = model.seen_if_feasible

    def recorded(values: np.ndarray) -> bool:
        verdicts.append(check(values))
        return verdicts[-1]

    monkeypatch.setattr(model, "seen_if_feasible", recorded)
    before = model.open_targets(problem.targets, K).size
    part_witnesses(model, problem.units, SolveStats(), K, lambda: False)
    after = model.open_targets(problem.targets, K).size
    assert verdicts and all(verdicts)
    assert before == problem.targets.size > 100
    assert after < before / 2


def test_parts_change_no_narrow_target_nor_its_interval_or_rows(parts_from_any_size):
    """Parts only prove targets wide: the narrow targets, their LP intervals and the rows named for
    them are those of the block solved without parts, and every interval the parts settled lies
    within the target's own LP interval (solved without any witness)."""
    options = SolveOptions(K, exact=False, workers=1, lp_only=True)
    with_parts, stats = solve_block(table_problem(units=True), options)
    without, _ = solve_block(table_problem(units=False), options)
    own, _ = solve_block(table_problem(units=False), dataclasses.replace(options, witnesses=False))

    def narrow(found):
        return {j: (i.lower, i.upper, i.binding) for j, i in found.items() if i.upper - i.lower < K}

    assert narrow(with_parts) == narrow(without) == narrow(own)
    assert 0 < len(narrow(with_parts)) < len(with_parts) // 2
    for j, interval in with_parts.items():
        assert own[j].lower <= interval.lower and interval.upper <= own[j].upper, (j, interval, own[j])
    assert stats.methods == {} and stats.lp_solves > 0


def test_parts_are_the_same_in_every_run(parts_from_any_size):
    options = SolveOptions(K, exact=False, workers=1, lp_only=True)
    first, _ = solve_block(table_problem(), options)
    second, _ = solve_block(table_problem(), options)
    assert first == second


def test_a_large_block_of_a_reader_view_is_solved_in_parts(parts_from_any_size, monkeypatch):
    """Through the audit's own path: the block gets each column's provider (the city none), the
    parts run, and the narrow targets are those found without them."""
    truth, matrix, labels = three_way_table()
    keys = [
        ("needs_unmet_count", f"2025-0{m + 1}", f"provider{p:02d}", "category", f"c{c}", "numerator")
        for p in range(PROVIDERS)
        for m in range(MONTHS)
        for c in range(CATEGORIES)
    ]
    activity = matrix @ truth
    system = LinearSystem(
        matrix, activity, activity.copy(), np.array(["providers"] * len(labels), dtype=object), labels
    )
    table = CellTable(keys=keys, true=truth, status=np.full(truth.size, UNPRINTED, dtype=np.int8))
    targets = np.flatnonzero((truth >= 1) & (truth < K))
    calls: list[np.ndarray] = []
    original = block_module.part_witnesses

    def spied(model, units, *args):
        calls.append(units)
        return original(model, units, *args)

    monkeypatch.setattr(block_module, "part_witnesses", spied)
    options = SolveOptions(K, exact=False, workers=1, lp_only=True)
    found = solve_targets(table, reader_view(table, system, np.zeros(truth.size, dtype=bool)), targets, SolveStats(), options)  # fmt: skip
    assert len(calls) == 1 and set(np.unique(calls[0]).tolist()) == set(range(PROVIDERS))
    monkeypatch.setattr(block_module, "PART_MIN_COLUMNS", 10**9)
    whole = solve_targets(table, reader_view(table, system, np.zeros(truth.size, dtype=bool)), targets, SolveStats(), options)  # fmt: skip
    assert len(calls) == 1
    assert {c for c, b in found.items() if b.upper - b.lower < K} == {
        c for c, b in whole.items() if b.upper - b.lower < K
    }


def test_the_city_is_no_provider_and_few_providers_make_no_parts():
    assert solve_module._units([("i", "2025", "all", "d", "v", "numerator"), ("i", "2025", "a", "d", "v", "numerator"),
                                ("i", "2025", "b", "d", "v", "numerator"), ("i", "2025", "a", "d", "w", "numerator")]).tolist() == [NO_UNIT, 0, 1, 0]  # fmt: skip
    units = table_problem().units
    assert units is not None
    few = np.asarray(units % (2 * PROVIDERS_PER_PART - 1))
    model = BlockModel(dataclasses.replace(table_problem(), units=few), relaxed=True)
    stats = SolveStats()
    part_witnesses(model, few, stats, K, lambda: False)
    assert stats.lp_solves == 0


def test_a_target_proven_wide_before_the_deadline_stays_proven_after_it(parts_from_any_size, monkeypatch):
    """The audit's time runs out after the parts: the targets their points prove wide are reported
    protected (method lp_relaxed), only the others count as not proven (method budget). Before,
    every target of a block cut off by the deadline counted as not proven, proofs and all."""
    original = block_module.part_witnesses

    def parts_then_deadline(model, units, stats, k, out_of_time):
        original(model, units, stats, k, lambda: False)  # the parts run as if the deadline were far

    monkeypatch.setattr(block_module, "part_witnesses", parts_then_deadline)
    problem = table_problem()
    options = SolveOptions(K, exact=False, workers=1, lp_only=True, deadline=time.time() - 1)
    found, stats = solve_block(problem, options)
    methods = {j: interval.method for j, interval in found.items()}
    proven = [j for j, method in methods.items() if method == "lp_relaxed"]
    assert set(methods.values()) == {"lp_relaxed", "budget"}
    assert len(proven) > problem.targets.size / 2
    assert all(found[j].upper - found[j].lower >= K for j in proven)
    assert all(found[j].upper - found[j].lower < K for j, method in methods.items() if method == "budget")
    assert stats.lp_solves > 0  # the parts' LPs only


def test_no_canonical_solve_is_started_once_the_deadline_has_passed(monkeypatch):
    """The rows named for a narrow target come from a solve of the whole block from its canonical
    start; on a tier-L block that solve ran for minutes past the audit's deadline. Once the
    deadline has passed the narrow targets keep the rows of their own LPs."""
    problem = table_problem(units=False)
    passed = [False]
    monkeypatch.setattr(SolveOptions, "out_of_time", lambda self: passed[0])
    lp_phase = block_module._lp_phase
    last = int(problem.targets[-1])

    def then_the_deadline(model, variable, options, stats):
        found = lp_phase(model, variable, options, stats)
        passed[0] = passed[0] or variable == last
        return found

    canonical: list[list[int]] = []
    monkeypatch.setattr(block_module, "_lp_phase", then_the_deadline)
    monkeypatch.setattr(BlockModel, "canonical_bindings", lambda self, variables, *rest: canonical.append(variables))
    found, _ = solve_block(problem, SolveOptions(K, exact=False, workers=1, lp_only=True))
    narrow = {j: i for j, i in found.items() if i.upper - i.lower < K}
    assert narrow and all(i.method in ("lp", "lp_rounded", "lp_relaxed") and i.binding for i in narrow.values())
    assert canonical == []
