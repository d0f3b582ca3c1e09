"""One independent block of a reader's (presolved) system in HiGHS, and the intervals of its
targets with as few solves as the result needs.

Soundness of the shortcuts, in one place:

- **Witnesses.** Every integer point that satisfies the block's rows and bounds is a possible
  truth for the reader: the reader cannot tell it from the real one. So if two such points put a
  variable v and w apart, the reader's interval of that variable is at least [v, w] wide. The
  block keeps, per variable, the smallest and largest value over every integer point seen: the
  true values (a feasible integer point by construction), every LP optimum that happens to be
  integral, every MILP solution. A fractional LP point proves nothing and is never counted. Every
  point is checked against the block's rows and bounds before it counts (`seen_if_feasible`):
  a witness never rests on the solver's tolerances or on a rounded value.
- **Protected without a solve.** A target whose seen range is already at least k wide is
  protected (method 'witnessed'); its reported lower and upper are the two values seen, which lie
  within its exact interval. No solve of its own is needed.
- **The LP bounds.** The LP optimum rounded inwards is an outer bound of the integer optimum (the
  integer points are among the LP's). It *is* the integer optimum only when an integer point
  attains it, which the seen range tells. An LP interval narrower than k therefore proves the
  target unprotected; an LP interval at least k wide proves nothing until integers attain it.
- **LP bounds only** (`lp_only`: the protection rounds, and the gate audit's verdict, which design
  §6 defines by linear programming): the question is
  the LP interval, so every LP optimum, fractional or not, is a point of the LP's feasible set and
  counts as seen (method 'lp_relaxed'); sweeps pushing the targets not yet settled up, down and in
  random mixed directions first settle most targets of a block without a solve of their own.
- **Unprotected targets get their exact interval** (MILP for any bound no integer point attains).
  With `exact=False` the rounded LP bounds are kept instead (method 'lp_rounded': the integer
  interval lies within them, the verdict 'unprotected' is already certain).
"""

from __future__ import annotations

import ctypes
import functools
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import highspy
import numpy as np
import scipy.sparse as sp

from transforms.disclosure.parts import PART_MIN_COLUMNS, highs_lp, part_witnesses

INTEGRAL = 1e-6  # an LP solution within this of integers is integral
MILP_TIME_LIMIT = 10.0  # seconds per MILP bound; beyond it the MILP's proven bound is used (counted unprotected)
BATCH_TIME_LIMIT = 5.0
# Integer-programming seconds per block; a target still open after it is counted unprotected
# (method milp_limit): the audit's run time stays bounded and it never claims an unproven protection.
# A target left open when the audit's time budget (SolveOptions.deadline) ran out.
BUDGET_METHOD = "budget"
BLOCK_MILP_BUDGET = 20.0  # seconds per MILP that looks for one point attaining many open bounds
# LP bounds only: optima over the targets still open, up, down and in random mixed directions, until
# two sweeps in a row settle less than SWEEP_GAIN of them (or MAX_SWEEPS). On the largest tier-M
# block (7,647 rows, 2,900 targets) 20 such sweeps left 154 targets open, where 6 sweeps over all
# targets left 1,200 to their own LPs (~0.3 s each).
MAX_SWEEPS = 30
MIN_SWEEPS = 4
SWEEP_GAIN = 0.05
# Blocks with fewer targets are not swept: each sweep is a solve from scratch (0.2-0.4 s on a
# block of 5,000 columns) where a target's own bound, warm from the last one, takes about 0.01 s.
# On 40 demo blocks one below 100 targets took 30-75 % less time without the sweeps (8 targets:
# 2.0 s against 0.9 s); from a few hundred targets on the sweeps pay (3,067 targets: 8.9 s against
# 16.0 s). Which targets are narrow does not depend on the sweeps (LP optima), only how fast.
SWEEP_MIN_TARGETS = 100
# From this many columns a sweep runs HiGHS's interior point method (with crossover): the same
# block's sweep took 1.2 s instead of 14 s with simplex, whose warm start wins on small blocks.
IPM_SWEEP_COLUMNS = 1000
# A point counts as seen only if it satisfies every row and bound within this (relative to the
# bound's size, at least absolute): the solver's own tolerance is 1e-7.
FEASIBLE = 1e-6
BINDING_LABELS = 4  # the constraints named per target (largest duals first)
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)


@dataclass
class SolveStats:
    lp_solves: int = 0
    milp_solves: int = 0
    milp_limits: int = 0
    blocks_solved: int = 0
    blocks_reused: int = 0
    seconds: float = 0.0
    methods: Counter[str] = field(default_factory=Counter)

    def add(self, other: SolveStats) -> None:
        self.lp_solves += other.lp_solves
        self.milp_solves += other.milp_solves
        self.milp_limits += other.milp_limits
        self.blocks_solved += other.blocks_solved
        self.methods.update(other.methods)


@dataclass(frozen=True)
class SolveOptions:
    """k: the protection width. exact: every unprotected target's interval is its integer
    interval (MILP where the LP does not settle it); otherwise an unprotected target may keep its
    LP bounds rounded inwards (method lp_rounded: the integer interval lies within them). A
    protected target needs only the proof either way (method witnessed), unless `witnesses` is
    False: then every target gets its exact interval. workers: processes for the blocks of a large
    release (None: the machine's cores, at most 2; 1: none)."""

    k: int
    exact: bool = True
    witnesses: bool = True
    workers: int | None = None
    # LP bounds only (no MILP): an interval narrower than k is still proven narrow (the integer
    # interval lies within it), but a wider one is not proven wide for integers (method
    # lp_relaxed). The protection rounds and the gate audit's LP verdict
    # (warehouse.disclosure_audit); `exact` verdicts are the integer ones.
    lp_only: bool = False
    # The wall-clock time (time.time(), valid in worker processes too) after which no more LPs are
    # started: a target not settled by then is not proven protected (method 'budget').
    deadline: float | None = None

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.time() > self.deadline


@dataclass(frozen=True)
class BlockProblem:
    """A block's rows over its columns: `row_lower <= matrix x <= row_upper`, x integral within
    [col_lower, col_upper]; `truth` satisfies it. `targets`: the columns whose interval is wanted."""

    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    labels: list[str]
    col_lower: np.ndarray
    col_upper: np.ndarray
    truth: np.ndarray
    names: list[str]
    bound_reasons: list[tuple[str, ...]]
    targets: np.ndarray
    # each column's provider as a code (parts.NO_UNIT: the city); None: swept whole only
    units: np.ndarray | None = None


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float
    method: str
    binding: tuple[str, ...]


def _within(values: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> bool:
    def slack(bound: np.ndarray) -> np.ndarray:
        return FEASIBLE * np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))

    return bool(np.all(values >= lower - slack(lower)) and np.all(values <= upper + slack(upper)))


@functools.cache
def quiet_highs() -> None:
    """HiGHS prints its banner to the C-level stdout at a process's first Highs(), whatever
    `output_flag` says (ERGO-Code/HiGHS#1932): make that first one here, with stdout sent to
    /dev/null for the moment, so that no run's output carries a banner per worker process."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
            ctypes.CDLL(None).fflush(None)  # the banner may still sit in C's buffer
    finally:
        os.dup2(saved, 1)
        os.close(saved)


class BlockModel:
    """The block's LP in HiGHS, re-solved per bound (primal simplex, warm started from the last
    basis); MILPs on demand; the range of each variable over the integer points seen."""

    def __init__(self, problem: BlockProblem, relaxed: bool = False):
        quiet_highs()
        self.p = problem
        self.seen_min = problem.truth.astype(np.float64)
        self.seen_max = problem.truth.astype(np.float64)
        self.highs = self._model(integer=False)
        self.cost_at: int | None = None
        self.relaxed = relaxed  # every LP optimum counts as seen (LP intervals, see the module)

    def _model(self, integer: bool) -> highspy.Highs:
        p = self.p
        highs = highs_lp(p.matrix, p.row_lower, p.row_upper, p.col_lower, p.col_upper, integer=integer)
        if integer:
            highs.setOptionValue("mip_rel_gap", 0.0)
            highs.setOptionValue("mip_abs_gap", 0.5)  # objectives are integral
            highs.setOptionValue("time_limit", MILP_TIME_LIMIT)
        return highs

    def seen_if_feasible(self, values: np.ndarray) -> bool:
        """Count a solver's point (integer, or an LP point when relaxed) after checking it against
        the rows and bounds: a witness is never taken on the solver's word (its tolerances, a
        rounded value)."""
        p = self.p
        activity = p.matrix @ values
        ok = _within(activity, p.row_lower, p.row_upper) and _within(values, p.col_lower, p.col_upper)
        if ok:
            np.minimum(self.seen_min, values, out=self.seen_min)
            np.maximum(self.seen_max, values, out=self.seen_max)
        return ok

    def _seen_integer_solution(self, highs: highspy.Highs) -> None:
        """A MILP's point (its optimum or incumbent), rounded to the integers it stands for."""
        self.seen_if_feasible(np.round(np.asarray(highs.getSolution().col_value)))

    def spread(self, variable: int) -> float:
        """How far apart two integer points seen so far put the variable (LP points: their values
        rounded inwards, so that the LP bounds rounded inwards are at least as far apart)."""
        low, high = self.seen_range(variable)
        return high - low

    def seen_range(self, variable: int) -> tuple[float, float]:
        low, high = float(self.seen_min[variable]), float(self.seen_max[variable])
        if self.relaxed:
            return float(math.ceil(low - INTEGRAL)), float(math.floor(high + INTEGRAL))
        return low, high

    def lp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, bool, tuple[str, ...]]:
        """min (sign 1) or max (sign -1) of the variable over the reals, rounded inwards to an
        integer; whether an integer point attains it (then it is the integer optimum); the
        binding constraints. An integral LP optimum is counted as a seen point."""
        if self.cost_at is not None and self.cost_at != variable:
            self.highs.changeColCost(self.cost_at, 0.0)
        self.highs.changeColCost(variable, sign)
        self.cost_at = variable
        self.highs.run()
        stats.lp_solves += 1
        status = self.highs.getModelStatus()
        if status not in (_OPTIMAL, *_UNBOUNDED):
            status = self._resolve(variable, sign, stats)
        if status not in (_OPTIMAL, *_UNBOUNDED):
            # no solver settled this bound: assume the reader reaches the true value (never a
            # protection without a proof; the cell is then treated as narrow on this side)
            stats.methods["lp_failed"] += 1
            return float(self.p.truth[variable]), False, (f"LP failed ({status}): bound taken as the true value",)
        if status in _UNBOUNDED and sign < 0:
            return math.inf, True, ()
        if status != _OPTIMAL:
            raise RuntimeError(f"disclosure audit: LP for {self.p.names[variable]} ended {status}")
        solution = self.highs.getSolution()
        values = np.asarray(solution.col_value)
        optimum = sign * self.highs.getInfo().objective_function_value
        rounded = float(math.ceil(optimum - INTEGRAL) if sign > 0 else math.floor(optimum + INTEGRAL))
        if self.relaxed:
            self.seen_if_feasible(values)
        elif np.all(np.abs(values - np.round(values)) <= INTEGRAL):
            self.seen_if_feasible(np.round(values))
        seen = self.seen_min[variable] if sign > 0 else self.seen_max[variable]
        return rounded, bool(seen == rounded), self._binding(solution)

    def canonical_bindings(
        self, variables: list[int], stats: SolveStats, out_of_time: Callable[[], bool]
    ) -> dict[int, tuple[str, ...]]:
        """The binding constraints of both LP bounds of the narrow targets `variables`, solved in a
        model of their own: from the basis of its first solve without an objective, then one
        target after the other in ascending order, each from where the one before left. In a
        degenerate LP which rows bind depends on the start, and the protection hides in those rows
        (transforms.disclosure.choose); so the rows named must not depend on which solves came
        before (the sweeps' random directions, the other targets, their order). Which targets are
        narrow does not (their LP intervals are optimal values), so this sequence depends only on
        the block. A target whose canonical solve does not end optimal, or that the audit's time
        leaves no solve for, keeps its own binding."""
        highs = self._model(integer=False)
        large = self.p.matrix.shape[1] >= PART_MIN_COLUMNS
        if large:  # from scratch, simplex took 700 s on a tier-L block of 82,333 columns
            highs.setOptionValue("solver", "ipm")
        highs.run()
        highs.setOptionValue("solver", "choose")
        stats.lp_solves += 1
        found: dict[int, tuple[str, ...]] = {}
        if highs.getModelStatus() != _OPTIMAL:
            return found
        for variable in sorted(variables):
            if out_of_time():
                break
            labels: list[str] = []
            for sign in (1.0, -1.0):  # lower, then upper (as _lp_phase joins them)
                highs.changeColCost(variable, sign)
                highs.run()
                stats.lp_solves += 1
                optimal = highs.getModelStatus() == _OPTIMAL
                highs.changeColCost(variable, 0.0)
                if not optimal:
                    break
                labels.extend(self._binding(highs.getSolution()))
            else:
                found[variable] = tuple(dict.fromkeys(labels))[:BINDING_LABELS]
        return found

    def open_targets(self, targets: np.ndarray, k: int) -> np.ndarray:
        """The targets whose seen range (rounded inwards, see `seen_range`) is narrower than k."""
        low, high = self.seen_min[targets], self.seen_max[targets]
        if self.relaxed:
            low, high = np.ceil(low - INTEGRAL), np.floor(high + INTEGRAL)
        return targets[high - low < k]

    def sweep(
        self, targets: np.ndarray, k: int, stats: SolveStats, out_of_time: Callable[[], bool], most: int = MAX_SWEEPS
    ) -> None:
        """LP bounds only: the optima of the targets still open pushed down, up and in random mixed
        directions, counted as seen, while it pays (see MAX_SWEEPS), time is left and at most
        `most` times."""
        if self.cost_at is not None:
            self.highs.changeColCost(self.cost_at, 0.0)
            self.cost_at = None
        random = np.random.default_rng(len(targets))  # deterministic per block
        costs = np.zeros(self.p.matrix.shape[1])
        every = np.arange(costs.size, dtype=np.int32)
        large = costs.size >= IPM_SWEEP_COLUMNS
        if large:
            self.highs.setOptionValue("solver", "ipm")
        gains: list[int] = []
        still_open = self.open_targets(targets, k)
        for number in range(most):
            # (a single sweep is for the basis: it runs for one open target too)
            if still_open.size <= min(2, most - 1) or out_of_time() or (number >= MIN_SWEEPS and sum(gains[-2:]) < SWEEP_GAIN * still_open.size):  # fmt: skip
                break
            costs[:] = 0.0
            costs[still_open] = (-1.0, 1.0)[number] if number < 2 else random.choice((-1.0, 1.0), still_open.size)
            self.highs.changeColsCost(costs.size, every, costs)
            self.highs.run()
            stats.lp_solves += 1
            if self.highs.getModelStatus() == _OPTIMAL:
                self.seen_if_feasible(np.asarray(self.highs.getSolution().col_value))
            now_open = self.open_targets(still_open, k)
            gains.append(still_open.size - now_open.size)
            still_open = now_open
        self.highs.changeColsCost(costs.size, every, np.zeros(costs.size))
        if large:
            self.highs.setOptionValue("solver", "choose")

    def _resolve(self, variable: int, sign: float, stats: SolveStats) -> highspy.HighsModelStatus:
        """Simplex lost its way (badly scaled quotient rows in a large block): solve the bound again
        from scratch, with dual simplex, then with the interior point method."""
        for option, value in (("simplex_strategy", 1), ("solver", "ipm")):
            self.highs = self._model(integer=False)
            self.highs.setOptionValue(option, value)
            self.highs.changeColCost(variable, sign)
            self.highs.run()
            stats.lp_solves += 1
            status = self.highs.getModelStatus()
            if status in (_OPTIMAL, *_UNBOUNDED):
                break
        self.highs.setOptionValue("solver", "choose")
        self.highs.setOptionValue("simplex_strategy", 4)
        return status

    def batch_point(self, costs: dict[int, float], stats: SolveStats) -> None:
        """One MILP pushing many variables towards their open bounds at once (cost +1: down, -1:
        up), within BATCH_TIME_LIMIT; its best integer point is counted as seen. Whatever it
        attains is proven attained; it proves nothing else (see the module)."""
        highs = self._model(integer=True)
        highs.setOptionValue("time_limit", BATCH_TIME_LIMIT)
        for variable, cost in costs.items():
            highs.changeColCost(variable, cost)
        self._start(highs)
        highs.run()
        stats.milp_solves += 1
        if highs.getInfo().primal_solution_status == 2:  # a feasible integer point
            self._seen_integer_solution(highs)

    def _start(self, highs: highspy.Highs) -> None:
        start = highspy.HighsSolution()
        start.col_value = list(self.p.truth)
        start.value_valid = True
        highs.setSolution(start)

    def milp_bound(self, variable: int, sign: float, stats: SolveStats) -> tuple[float, str]:
        """The integer optimum by MILP (the true values as a start); its solution is a seen point.
        At the time limit the bound the MILP proved (an outer bound: method milp_limit)."""
        highs = self._model(integer=True)
        highs.changeColCost(variable, sign)
        self._start(highs)
        highs.run()
        stats.milp_solves += 1
        status = highs.getModelStatus()
        info = highs.getInfo()
        if status == _OPTIMAL:
            self._seen_integer_solution(highs)
            return float(round(sign * info.objective_function_value)), "milp"
        if status in _UNBOUNDED and sign < 0:
            return math.inf, "milp"
        if status == highspy.HighsModelStatus.kTimeLimit:
            stats.milp_limits += 1
            if info.primal_solution_status == 2:  # a feasible incumbent: an integer point
                self._seen_integer_solution(highs)
            proven = info.mip_dual_bound  # a bound on sign * x the optimum cannot beat
            value = math.ceil(proven - INTEGRAL) if sign > 0 else math.floor(-proven + INTEGRAL)
            return float(value), "milp_limit"
        raise RuntimeError(f"disclosure audit: MILP for {self.p.names[variable]} ended {status}")

    def _binding(self, solution: highspy.HighsSolution) -> tuple[str, ...]:
        """The constraints that bind at the optimum: nonzero duals, largest first; a variable held
        at a bound is named by the rows that gave the bound, or as 'hidden >= 1'."""
        row_dual = np.abs(np.asarray(solution.row_dual))
        order = [i for i in np.argsort(-row_dual, kind="stable")[:BINDING_LABELS] if row_dual[i] > 1e-9]
        labels = [self.p.labels[i] for i in order]
        col_dual = np.abs(np.asarray(solution.col_dual))
        for j in np.argsort(-col_dual, kind="stable")[: max(0, BINDING_LABELS + 1 - len(labels))]:
            if col_dual[j] > 1e-9:
                if self.p.bound_reasons[j]:
                    labels.extend(self.p.bound_reasons[j])
                elif self.p.col_lower[j] >= 1:
                    labels.append(f"hidden >= 1: {self.p.names[j]}")
        return tuple(dict.fromkeys(labels))[:BINDING_LABELS]


@dataclass
class _Open:
    """A target whose LP bounds are known but not yet attained by an integer point."""

    variable: int
    lower: float
    upper: float
    binding: tuple[str, ...]
    batched: bool = False  # a batch MILP's point settled a bound


def out_of_budget(lower: float, upper: float) -> Interval:
    """A target the time budget left unsettled: not proven protected, so not protected. Its interval
    is what the points seen so far span (a feasible range, narrower than the reader's)."""
    return Interval(lower, upper, BUDGET_METHOD, ("time budget of the audit spent",))


def _past_deadline(model: BlockModel, variable: int, options: SolveOptions) -> Interval:
    """A target the audit's time left no LP for: protected if the points seen already prove it
    (a proof is a proof, whenever the clock stops), otherwise not proven (method 'budget')."""
    if options.witnesses and model.spread(variable) >= options.k:
        return _witnessed(model, variable)
    return out_of_budget(*model.seen_range(variable))


def _witnessed(model: BlockModel, variable: int) -> Interval:
    low, high = model.seen_range(variable)
    return Interval(low, high, "lp_relaxed" if model.relaxed else "witnessed", ())


def _lp_phase(model: BlockModel, variable: int, options: SolveOptions, stats: SolveStats) -> Interval | _Open:
    """Stop as soon as the seen points prove the target protected; otherwise its LP bounds. Settled
    when both are attained, or (exact=False) when they prove it unprotected."""
    k = options.k if options.witnesses else math.inf  # never wide enough to stop early
    if model.spread(variable) >= k:
        return _witnessed(model, variable)
    upper, upper_exact, upper_binding = model.lp_bound(variable, -1.0, stats)
    if model.spread(variable) >= k:
        return _witnessed(model, variable)
    lower, lower_exact, lower_binding = model.lp_bound(variable, 1.0, stats)
    if model.spread(variable) >= k:
        return _witnessed(model, variable)
    binding = tuple(dict.fromkeys(lower_binding + upper_binding))[:BINDING_LABELS]
    if upper - lower < options.k and not options.exact:
        method = "lp" if lower_exact and upper_exact else "lp_rounded"
        return Interval(lower, upper, method, binding)
    if lower_exact and upper_exact:
        return Interval(lower, upper, "lp", binding)
    return _Open(variable, lower, upper, binding)


def _settled(model: BlockModel, target: _Open, options: SolveOptions) -> Interval | None:
    """The target's interval once the points seen prove it protected or attain both LP bounds."""
    variable = target.variable
    if options.witnesses and model.spread(variable) >= options.k:
        return _witnessed(model, variable)
    if model.seen_min[variable] == target.lower and model.seen_max[variable] == target.upper:
        return Interval(target.lower, target.upper, "milp" if target.batched else "lp", target.binding)
    return None


def _batch_costs(model: BlockModel, targets: list[_Open]) -> dict[int, float]:
    """Per open target the direction of a bound not yet attained (the upper one first)."""
    return {t.variable: (-1.0 if model.seen_max[t.variable] < t.upper else 1.0) for t in targets}


def _milp_phase(model: BlockModel, target: _Open, options: SolveOptions, stats: SolveStats) -> Interval:
    """MILP for each bound still not attained (the integer optimum, or the proven bound at the
    time limit); stops once the points seen prove the target protected."""
    variable, lower, upper = target.variable, target.lower, target.upper
    methods = set()
    if model.seen_max[variable] < upper:
        upper, method = model.milp_bound(variable, -1.0, stats)
        methods.add(method)
        if options.witnesses and model.spread(variable) >= options.k:
            return _witnessed(model, variable)
    if model.seen_min[variable] > lower:
        lower, method = model.milp_bound(variable, 1.0, stats)
        methods.add(method)
    method = next((m for m in ("milp_limit", "milp") if m in methods), "milp")
    return Interval(lower, upper, method, target.binding)


def _name_canonical_bindings(
    model: BlockModel, results: dict[int, Interval], open_targets: list[_Open], options: SolveOptions, stats: SolveStats
) -> None:
    """Every target whose LP interval is narrower than k names the rows that bind from the block's
    canonical start (BlockModel.canonical_bindings), not from the path its own LPs came by."""
    k = options.k
    narrow = [
        v for v, found in results.items() if found.method in ("lp", "lp_rounded") and found.upper - found.lower < k
    ]
    narrow += [t.variable for t in open_targets if t.upper - t.lower < k]
    if not narrow or options.out_of_time():
        return
    canonical = model.canonical_bindings(narrow, stats, options.out_of_time)
    for variable, binding in canonical.items():
        if variable in results:
            results[variable] = replace(results[variable], binding=binding)
    for target in open_targets:
        target.binding = canonical.get(target.variable, target.binding)


def solve_block(problem: BlockProblem, options: SolveOptions) -> tuple[dict[int, Interval], SolveStats]:
    """The interval of every target column of one block: LP bounds for each; then, while it pays,
    one MILP for all open targets together (every point it finds is a possible truth: the bounds
    it attains are settled); a MILP per bound for what is left."""
    stats = SolveStats(blocks_solved=1)
    model = BlockModel(problem, relaxed=options.lp_only)
    large = options.lp_only and options.witnesses and problem.matrix.shape[1] >= PART_MIN_COLUMNS
    if large and problem.units is not None:
        part_witnesses(model, problem.units, stats, options.k, options.out_of_time)
        # One sweep over the whole block, by the interior point method, for a basis the targets'
        # own LPs start warm from: from scratch the first took 700 s on a tier-L block of 82,333
        # columns. No more: on one of 33,274 columns the parts left 300 targets open, which four
        # sweeps or more took 90 s for and their own LPs 25 s.
        model.sweep(problem.targets, options.k, stats, options.out_of_time, most=1)
    elif options.lp_only and options.witnesses and problem.targets.size >= SWEEP_MIN_TARGETS:
        model.sweep(problem.targets, options.k, stats, options.out_of_time)
    results: dict[int, Interval] = {}
    open_targets: list[_Open] = []
    for variable in problem.targets.tolist():
        if options.out_of_time():
            results[variable] = _past_deadline(model, variable, options)
            continue
        found = _lp_phase(model, variable, options, stats)
        if isinstance(found, Interval):
            results[variable] = found
        else:
            open_targets.append(found)
    _name_canonical_bindings(model, results, open_targets, options, stats)
    if options.lp_only:
        results.update({t.variable: Interval(t.lower, t.upper, "lp_relaxed", t.binding) for t in open_targets})
        return results, stats
    deadline = time.perf_counter() + BLOCK_MILP_BUDGET
    while len(open_targets) > 1 and time.perf_counter() < deadline and not options.out_of_time():
        model.batch_point(_batch_costs(model, open_targets), stats)
        still_open = []
        for target in open_targets:
            target.batched = True
            settled = _settled(model, target, options)
            if settled is None:
                still_open.append(target)
            else:
                results[target.variable] = settled
        if len(still_open) == len(open_targets):
            break
        open_targets = still_open
    for target in open_targets:
        if options.out_of_time():
            results[target.variable] = _past_deadline(model, target.variable, options)
            continue
        if time.perf_counter() > deadline:
            # out of integer-programming time for this block: not proven, so not protected
            stats.milp_limits += 1
            results[target.variable] = Interval(target.lower, target.upper, "milp_limit", target.binding)
            continue
        results[target.variable] = _milp_phase(model, target, options, stats)
    return results, stats


def solve_problem(problem: BlockProblem, options: SolveOptions) -> tuple[dict[int, Interval], SolveStats]:
    """One block's intervals; what the audit's worker processes run (this module imports only
    NumPy, SciPy and HiGHS, so a fresh worker is ready in a fraction of a second)."""
    if problem.matrix.shape[0] == 0:  # no rows: the bounds are the interval (integers: presolve)
        stats = SolveStats()
        found = {}
        for j in problem.targets.tolist():
            upper = float(problem.col_upper[j])
            method = "trivial" if math.isinf(upper) else "presolve"
            found[j] = Interval(float(problem.col_lower[j]), upper, method, problem.bound_reasons[j])
        return found, stats
    if options.out_of_time():  # not even started: every target's truth is all that is known
        return {j: out_of_budget(problem.truth[j], problem.truth[j]) for j in problem.targets.tolist()}, SolveStats()
    return solve_block(problem, options)
