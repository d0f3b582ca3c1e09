"""Feasible intervals of hidden cells for one reader: the system with the cells the reader knows
substituted, presolved (transforms.disclosure.presolve: pinned cells substituted, cells tied by
two-cell equalities merged, exactly the same integer solutions), split into independent blocks
(connected components of the variable-row graph of the reduced system), and per block one HiGHS
model (transforms.disclosure.block: witnesses first, LP bounds, MILP where integers decide). The
blocks are solved in a process pool when there are several large ones.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from transforms.disclosure.block import (
    BINDING_LABELS,
    BUDGET_METHOD,
    BlockProblem,
    Interval,
    SolveOptions,
    SolveStats,
    solve_problem,
)
from transforms.disclosure.cells import ALL, HIDDEN, CellTable, cell_name
from transforms.disclosure.parts import NO_UNIT
from transforms.disclosure.presolve import Reduced, presolve
from transforms.disclosure.system import LinearSystem

__all__ = [
    "BlockCache",
    "Bound",
    "Pending",
    "Prior",
    "ReaderView",
    "SolveOptions",
    "SolveStats",
    "finish_targets",
    "prior_from",
    "reader_view",
    "solve_targets",
    "start_targets",
]

# A block goes to the worker processes (when there are any) from this many nonzeros; smaller ones
# are solved in this process while the workers run.
POOLED_NONZEROS = 200


@dataclass(frozen=True)
class Bound:
    """A target's feasible integer interval for one reader (for method 'witnessed': two values
    the reader cannot exclude, at least k apart; the exact interval contains them)."""

    lower: float
    upper: float  # +inf when the reader cannot bound it from above
    method: str  # trivial | presolve | witnessed | lp | lp_rounded | milp | milp_limit | budget | outside
    binding: tuple[str, ...]
    block: int


@dataclass
class ReaderView:
    """The system as one reader sees it: unknown cells are the variables; `var_block` are the
    components before presolve (the unit of reuse between readers), `reduced` the presolved
    system and `reduced_block` the blocks solved."""

    variables: np.ndarray  # cell positions
    matrix: sp.csr_matrix  # rows x variables
    labels: list[str]
    var_block: np.ndarray
    n_blocks: int
    reduced: Reduced
    reduced_block: np.ndarray  # per reduced column
    reduced_row_block: np.ndarray
    n_reduced_blocks: int


def _components(matrix: sp.csr_matrix) -> tuple[int, np.ndarray, np.ndarray]:
    n_rows, n_vars = matrix.shape
    graph = sp.bmat([[None, matrix.T], [matrix, None]], format="csr") if n_rows else sp.csr_matrix((n_vars, n_vars))
    n_blocks, component = connected_components(graph, directed=False)
    return int(n_blocks), component[:n_vars], component[n_vars:]


def reader_view(table: CellTable, system: LinearSystem, known: np.ndarray) -> ReaderView:
    """Substitute the known cells (true values), presolve, and split into blocks. A hidden cell is
    at least 1 when that holds (a hidden zero breaks the legend and gets no such bound)."""
    unknown = np.flatnonzero(~known)
    columns = system.matrix.tocsc()
    constant = columns[:, known] @ table.true[known] if known.any() else np.zeros(system.size)
    sub = columns[:, unknown].tocsr()
    has_variable = np.diff(sub.indptr) > 0
    sub = sub[has_variable]
    labels = [system.labels[i] for i in np.flatnonzero(has_variable)]
    n_blocks, var_block, _ = _components(sub)
    at_least_one = (table.status[unknown] == HIDDEN) & (table.true[unknown] >= 1)
    reduced = presolve(
        sub,
        system.lower[has_variable] - constant[has_variable],
        system.upper[has_variable] - constant[has_variable],
        labels,
        at_least_one.astype(np.float64),
        table.true[unknown],
    )
    n_reduced, reduced_block, reduced_row_block = _components(reduced.matrix)
    return ReaderView(
        variables=unknown,
        matrix=sub,
        labels=labels,
        var_block=var_block,
        n_blocks=n_blocks,
        reduced=reduced,
        reduced_block=reduced_block,
        reduced_row_block=reduced_row_block,
        n_reduced_blocks=n_reduced,
    )


def _group(ids: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(ids, kind="stable")
    cuts = np.flatnonzero(np.diff(ids[order])) + 1
    return {int(ids[part[0]]): part for part in np.split(order, cuts) if part.size}


@dataclass
class Prior:
    """An earlier reader's results and blocks (by cell), reused where a block is unchanged."""

    block_of_cell: dict[int, int]
    block_size: dict[int, int]
    bounds: dict[int, Bound]


# Solved blocks by their problem's fingerprint (transforms.disclosure.protect keeps one over its
# rounds: a block no hidden row touched is the same problem and keeps its intervals).
BlockCache = dict[str, tuple[dict[int, Interval], SolveStats]]


def fingerprint(problem: BlockProblem, options: SolveOptions) -> str:
    """Everything a block's intervals depend on: rows, bounds, true values, cell names, targets,
    the options that change a verdict."""
    digest = hashlib.blake2b(digest_size=20)
    matrix = problem.matrix
    for array in (matrix.indptr, matrix.indices, matrix.data, problem.row_lower, problem.row_upper,
                  problem.col_lower, problem.col_upper, problem.truth, problem.targets):  # fmt: skip
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(b"|")
    for text in (*problem.names, "", *problem.labels, "", repr((options.k, options.exact, options.witnesses, options.lp_only))):  # fmt: skip
        digest.update(text.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass
class Pending:
    """A reader's targets while its blocks are being solved (maybe in worker processes)."""

    view: ReaderView
    results: dict[int, Bound]  # the targets settled without solving a block
    live: np.ndarray  # view variables whose reduced column is solved
    problems: list[tuple[int, np.ndarray, BlockProblem]]
    outputs: list[Future | None]  # per problem: its future in the pool, None: solved at finish
    options: SolveOptions
    seconds: float
    keys: list[str] | None = None  # per problem its fingerprint, when a cache is kept
    cache: BlockCache | None = None


def start_targets(
    table: CellTable,
    view: ReaderView,
    targets: np.ndarray,
    stats: SolveStats,
    options: SolveOptions,
    prior: Prior | None = None,
    pool: Executor | None = None,
    cache: BlockCache | None = None,
) -> Pending:
    """Settle what needs no solve and hand the blocks to the pool (largest first); `finish_targets`
    collects. With a prior (the outside reader's results), a component the reader's own figures do
    not change keeps the prior's intervals (the same rows over the same unknowns: the same
    intervals), and a target the prior already found unprotected keeps its interval (method
    'outside': this reader knows more, so the true interval lies within it). With a cache, a block
    solved before as the same problem keeps its intervals."""
    started = time.perf_counter()
    var_of_cell = {int(cell): j for j, cell in enumerate(view.variables)}
    target_vars = np.array([var_of_cell[int(c)] for c in targets], dtype=np.int64)
    vars_by_block = _group(view.var_block)
    results: dict[int, Bound] = {}
    to_solve: list[np.ndarray] = []
    for block, block_targets in _group(view.var_block[target_vars]).items() if target_vars.size else []:
        wanted = target_vars[block_targets]
        if prior is not None:
            # (a target the prior did not solve, e.g. settled in an earlier round, is solved here)
            solved_before = all(int(view.variables[j]) in prior.bounds for j in wanted)
            if solved_before and _unchanged(prior, view.variables[vars_by_block[block]]):
                stats.blocks_reused += 1
                results.update({int(view.variables[j]): prior.bounds[int(view.variables[j])] for j in wanted})
                continue
            narrow = [j for j in wanted if int(view.variables[j]) in prior.bounds and _narrow(prior.bounds[int(view.variables[j])], options.k)]  # fmt: skip
            results.update({int(view.variables[j]): replace(prior.bounds[int(view.variables[j])], method="outside") for j in narrow})  # fmt: skip
            stats.methods["outside"] += len(narrow)
            wanted = np.array([j for j in wanted if int(view.variables[j]) not in results], dtype=np.int64)
        to_solve.append(wanted)
    wanted = np.concatenate(to_solve) if to_solve else np.array([], dtype=np.int64)
    red = view.reduced
    columns = red.column[wanted]
    for j in wanted[columns < 0]:  # pinned by the presolve
        value = float(red.offset[j])
        results[int(view.variables[j])] = Bound(value, value, "presolve", red.reasons[j], -1)
    stats.methods["presolve"] += int((columns < 0).sum())
    live = wanted[columns >= 0]
    problems = _problems(table, view, np.unique(red.column[live]))
    problems.sort(key=lambda item: -item[2].matrix.nnz)
    keys = [fingerprint(problem, options) for _, _, problem in problems] if cache is not None else None
    known = [keys is not None and cache is not None and keys[i] in cache for i in range(len(problems))]
    outputs: list[Future | None] = [
        pool.submit(solve_problem, problem, options)
        if pool is not None and problem.matrix.nnz >= POOLED_NONZEROS and not known[i]
        else None
        for i, (_, _, problem) in enumerate(problems)
    ]
    return Pending(view, results, live, problems, outputs, options, time.perf_counter() - started, keys, cache)


def finish_targets(pending: Pending, stats: SolveStats) -> dict[int, Bound]:
    """The interval of every target cell: the blocks' intervals mapped back to the view's
    variables (x = sign * column + offset, bounds swapped for sign -1)."""
    started = time.perf_counter()
    view, red, results = pending.view, pending.view.reduced, dict(pending.results)
    intervals: dict[int, tuple[int, Interval]] = {}
    for i, ((block, block_columns, problem), output) in enumerate(zip(pending.problems, pending.outputs, strict=True)):
        key = pending.keys[i] if pending.keys is not None else None
        if key is not None and pending.cache is not None and key in pending.cache:
            found, _ = pending.cache[key]
            stats.blocks_reused += 1
        else:
            found, block_stats = output.result() if output is not None else solve_problem(problem, pending.options)
            stats.add(block_stats)
            finished = all(interval.method != BUDGET_METHOD for interval in found.values())
            if key is not None and pending.cache is not None and finished:  # never keep a cut-off block
                pending.cache[key] = (found, block_stats)
        intervals.update({int(block_columns[local]): (block, interval) for local, interval in found.items()})
    for j in pending.live:
        block, interval = intervals[int(red.column[j])]
        sign, offset = float(red.sign[j]), float(red.offset[j])
        lower, upper = (interval.lower, interval.upper) if sign > 0 else (-interval.upper, -interval.lower)
        binding = tuple(dict.fromkeys(red.reasons[j] + interval.binding))[:BINDING_LABELS]
        stats.methods[interval.method] += 1
        results[int(view.variables[j])] = Bound(lower + offset, upper + offset, interval.method, binding, block)
    stats.seconds += pending.seconds + time.perf_counter() - started
    return results


def solve_targets(
    table: CellTable,
    view: ReaderView,
    targets: np.ndarray,
    stats: SolveStats,
    options: SolveOptions,
    prior: Prior | None = None,
) -> dict[int, Bound]:
    """The interval of every target cell (positions in `table`) for the reader of `view`, in this
    process (see start_targets)."""
    return finish_targets(start_targets(table, view, targets, stats, options, prior), stats)


def _narrow(bound: Bound, k: int) -> bool:
    return bound.upper - bound.lower < k


def _unchanged(prior: Prior, cells: np.ndarray) -> bool:
    blocks = {prior.block_of_cell.get(int(c), -1) for c in cells}
    return len(blocks) == 1 and -1 not in blocks and prior.block_size[blocks.pop()] == cells.size


def _problems(table: CellTable, view: ReaderView, columns: np.ndarray) -> list[tuple[int, np.ndarray, BlockProblem]]:
    """Per reduced block with target columns: the block's problem, with the targets' global
    column numbers mapped to the block's local ones (a block without rows: its bounds)."""
    red = view.reduced
    cols_by_block = _group(view.reduced_block)
    rows_by_block = _group(view.reduced_row_block) if view.reduced_row_block.size else {}
    problems: list[tuple[int, np.ndarray, BlockProblem]] = []
    for block, part in _group(view.reduced_block[columns]).items() if columns.size else []:
        block_columns = cols_by_block[block]
        rows = rows_by_block.get(block, np.array([], dtype=np.int64))
        keys = [table.keys[int(view.variables[red.columns[c]])] for c in block_columns]
        names = [cell_name(key) for key in keys]
        local = np.searchsorted(block_columns, columns[part])
        problem = BlockProblem(
            matrix=red.matrix[rows][:, block_columns].tocsc(),
            row_lower=red.row_lower[rows],
            row_upper=red.row_upper[rows],
            labels=[red.labels[i] for i in rows],
            col_lower=red.col_lower[block_columns],
            col_upper=red.col_upper[block_columns],
            truth=red.col_truth[block_columns],
            names=names,
            bound_reasons=[red.bound_reasons[c] for c in block_columns],
            targets=local,
            units=_units(keys),
        )
        problems.append((block, block_columns, problem))
    return problems


def _units(keys: Sequence[tuple[str, ...]]) -> np.ndarray:
    """Each column's provider as a code for the parts of a large block (transforms.disclosure.parts,
    which decides when a block is large); the city's columns get NO_UNIT. A presolved column stands for its first cell's provider."""
    codes: dict[str, int] = {ALL: NO_UNIT}
    return np.array([codes.setdefault(key[2], len(codes) - 1) for key in keys], dtype=np.int64)


def prior_from(view: ReaderView, bounds: dict[int, Bound]) -> Prior:
    sizes = Counter(view.var_block.tolist())
    return Prior(
        block_of_cell={int(c): int(b) for c, b in zip(view.variables, view.var_block, strict=True)},
        block_size=dict(sizes),
        bounds=bounds,
    )
