"""Which rows one protection round hides (transforms.disclosure.protect): for every target a reader
narrows below k, the equations it takes part in where the cells that reader does not know cannot
absorb a change of k get one more published row hidden, the one that loses least information
(`hiding_cost`). In the insiders' stage a count chosen so gets its own partners in the same round
(`Chooser._close`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable
from functools import partial

import numpy as np

from transforms.disclosure.audit import ReleaseSystem
from transforms.disclosure.cells import ALL, HIDDEN, PUBLISHED, UNPRINTED, WITHDRAWN, CellTable, is_month
from transforms.disclosure.system import RELATION_KINDS, RULE_KINDS
from transforms.disclosure.witness import protection_lp
from transforms.indicators.registry import KINDS

# The count columns a report prints, by kind: a count prints its count (the numerator). Every other
# kind prints only its figure (a share, median, ratio or cost per case), never its numerator or
# base; those reach the reader only through the quotient relations of the specs. Hiding a row hides
# its printed count and its printed figure.
PRINTED_COLUMNS: dict[str, tuple[str, ...]] = {"count": ("numerator",)}
HIDDEN_COLUMNS = PRINTED_COLUMNS
# Information lost by hiding a row, relative to a provider's monthly breakdown cell.
WEIGHT_PROVIDER_TOTAL = 2.0
WEIGHT_CITY = 4.0
WEIGHT_YEAR = 8.0
RowKey = tuple[str, ...]
GroupKey = tuple[str, str, str]  # indicator_id, period, dimension: one breakdown of one period
Narrow = tuple[str, int, tuple[str, ...]]  # reader, target cell, the rows that bind at its optimum
DERIVED_STEPS = 2
# Waves of partners given to fresh counts within one round (_Chooser._close). At tier M more waves
# spiral: 20 waves hid 2,278 cells for 861 narrow targets where 3 hid 375 (docs/performance.md).
CLOSE_WAVES = 3
PIN_STEPS = 20  # equations followed from a pinned cell to the next (_Chooser._movable)
NEARBY_STEPS = 4  # rows walked out from a target whose own rows offer nothing to hide
# Protection LPs per round (transforms.disclosure.witness): a count, not a time, so that the same
# figures give the same release; the others of a round take the binding rows' cheapest cells.
WITNESS_LPS = 200


def hideable(table: CellTable) -> np.ndarray:
    """Cells a hidden row hides (its kind's HIDDEN_COLUMNS)."""
    return np.array([key[5] in HIDDEN_COLUMNS.get(KINDS.get(key[0], ""), ()) for key in table.keys], dtype=bool)


def hiding_cost(table: CellTable) -> np.ndarray:
    """Per cell, the information lost by hiding its row: its count (at least 1) times the weight
    of its table (provider breakdown 1, provider total 2, city x4, year x8)."""
    weight = np.ones(table.size)
    for position, (_, period, provider, dimension, _, _) in enumerate(table.keys):
        if provider == ALL:
            weight[position] *= WEIGHT_CITY
        elif dimension == ALL:
            weight[position] *= WEIGHT_PROVIDER_TOTAL
        if not is_month(period):
            weight[position] *= WEIGHT_YEAR
    return weight * np.maximum(table.true, 1.0)


class Chooser:
    """Picks the rows to hide for one round from the audit's narrow targets."""

    def __init__(self, release: ReleaseSystem, k: int):
        self.table, self.k = release.table, k
        system = release.system
        self.rows = system.matrix.tocsr()
        self.columns = system.matrix.tocsc()
        self.equality = system.lower == system.upper
        self.lower, self.upper = system.lower, system.upper
        self.row_of_label = {label: row for row, label in enumerate(system.labels)}
        printed_row = np.array([key[:5] in self.table.printed for key in self.table.keys], dtype=bool)
        # a published count, or a cell of a row whose printed figure (a share, a ratio) a
        # quotient relation reads: hiding that figure removes the relation
        self.can_hide = (
            (self.table.true >= 1)
            & (((self.table.status == PUBLISHED) & hideable(self.table)) | printed_row)
            & self.table.in_release()
        )
        self.cost = hiding_cost(self.table)
        self.row_of_cell = [key[:5] for key in self.table.keys]
        self.total = np.array([key[3] == ALL for key in self.table.keys], dtype=bool)
        self.printed_row = printed_row
        relation = np.isin(system.kinds, RELATION_KINDS + RULE_KINDS)
        self.relation_rows = system.matrix[relation].tocsr()
        self.relation_columns = self.relation_rows.tocsc()
        # hidden now or chosen this round: such a count is at least 1 for every reader
        self.hidden_before = (self.table.status == HIDDEN) & (self.table.true >= 1)
        self.hidden = self.hidden_before.copy()
        self.owner = self.table.cell_providers
        self.pattern = self.rows.copy()
        self.pattern.data = np.ones_like(self.pattern.data, dtype=np.int32)
        self.witness_lps = 0  # protection LPs solved in this round's `choose`

    def derived(self, cells: set[int]) -> set[RowKey]:
        """The rows whose printed figure is tied to `cells` by a declared relation (two steps: a
        rate per FTE or a cost per case of a hidden count, through the count its base equals):
        hidden with them, so that a figure derived from a hidden count does not give it away."""
        reached, frontier = set(cells), set(cells)
        for _ in range(DERIVED_STEPS):
            found: set[int] = set()
            for cell in frontier:
                for row in self.relation_columns.indices[self.relation_columns.indptr[cell] : self.relation_columns.indptr[cell + 1]]:  # fmt: skip
                    found.update(self.relation_rows.indices[self.relation_rows.indptr[row] : self.relation_rows.indptr[row + 1]].tolist())  # fmt: skip
            frontier = found - reached
            reached |= found
        figure = self.printed_row & (self.table.status == UNPRINTED) & (self.table.true >= 1)
        return {self.row_of_cell[c] for c in reached if figure[c]}

    def _room(self, row: int, target: int, unknown: np.ndarray) -> float:
        """How far the target can move in this row alone, up plus down (signs respected): a
        change of the target is taken up by the other unknown cells, towards their lower bounds
        (hidden >= 1, else >= 0) where their coefficient has the target's sign, without limit
        where it has the other sign; an inequality adds its band. At least k: the row does not
        narrow the target."""
        start, stop = self.rows.indptr[row], self.rows.indptr[row + 1]
        cells, coefficients = self.rows.indices[start:stop], self.rows.data[start:stop]
        own = float(coefficients[cells == target][0])
        keep = (cells != target) & unknown[cells]
        others, weights = cells[keep], coefficients[keep]
        same = np.sign(weights) == np.sign(own)
        floor = self.hidden[others].astype(np.float64)
        slack = (self.table.true[others] - floor) * np.abs(weights) / abs(own)
        band = (self.upper[row] - self.lower[row]) / abs(own)
        up = math.inf if (~same).any() else float(slack[same].sum())
        own_floor = 1.0 if self.hidden[target] else 0.0
        down = min(math.inf if same.any() else float(slack[~same].sum()), float(self.table.true[target] - own_floor))
        return up + down + (band if math.isfinite(band) else math.inf)

    def _candidate(self, row: int, eligible: np.ndarray, room: float, shared: np.ndarray | None = None) -> int | None:
        """The cell to hide in `row`: the cheapest that gives room for k, per row it would give room
        in (`shared`: how many rows still short of room each cell lies in); else the largest."""
        start, stop = self.rows.indptr[row], self.rows.indptr[row + 1]
        cells = self.rows.indices[start:stop]
        cells = cells[eligible[cells]]
        if not cells.size:
            return None
        enough = cells[self.table.true[cells] - 1 + room >= self.k]
        if enough.size:
            cost = self.cost[enough] if shared is None else self.cost[enough] / np.maximum(shared[enough], 1)
            return int(enough[np.argmin(cost)])
        return int(cells[np.argmax(self.table.true[cells])])

    def _picks(self, target: int, unknown: np.ndarray, eligible: np.ndarray) -> tuple[list[int], list[int], bool]:
        """Per row of the target without room: the best cell to hide (equations, inequalities);
        whether an equation has none to offer."""
        rows = self.columns.indices[self.columns.indptr[target] : self.columns.indptr[target + 1]]
        picks: dict[bool, list[int]] = {True: [], False: []}
        stuck = False
        for row in rows.tolist():
            room = self._room(row, target, unknown)
            if room >= self.k:
                continue
            pick = self._candidate(row, eligible, room)
            if pick is None:
                stuck = stuck or bool(self.equality[row])
            else:
                picks[bool(self.equality[row])].append(pick)
        return picks[True], picks[False], stuck

    def _eligible(self, reader: str, target: int, own: dict[str, np.ndarray], totals: bool) -> tuple[np.ndarray, bool]:
        mine = own.get(reader)
        eligible = self.can_hide if mine is None else self.can_hide & ~mine
        # a cell not printed (withdrawn, or not in the plan): only a total beside it may still help
        not_printed = self.table.status[target] in (WITHDRAWN, UNPRINTED)
        breakdown = self.table.keys[target][3] != ALL and not totals and not not_printed
        return (eligible & ~self.total if breakdown else eligible), breakdown

    def choose(
        self,
        narrow: Iterable[Narrow],
        own: dict[str, np.ndarray],
        *,
        totals: bool = False,
        readers: Iterable[str | None] = (),
        stubborn: Collection[tuple[str, int]] = (),
    ) -> tuple[set[RowKey], set[GroupKey]]:
        """The rows to hide and the tables to withdraw this round. Per narrow target: in each
        equation without room, the best cell to hide; failing that, in each inequality without
        room; failing that, a cell of the rows that bind at the reader's optimum. A breakdown cell
        never takes a total with it (a total is tied to the stock-flow identity, the rates and the
        costs, and hiding it spreads): where only a total could give room, the target's breakdown
        for that period is withdrawn instead, for every unit (GroupKey); with `totals` (when
        withdrawing changed nothing) totals are candidates too. `own`: per insider, its own cells.
        Targets with the fewest choices go first, and a cell chosen for one gives room to the
        next: two small cells of one row and one column share the cell forced on them. A count
        chosen here is a hidden count itself: `_close` gives it its partners in the same round for
        `readers` (None: the outside reader). `stubborn`: (reader, target) narrow in the rounds
        before too (protect.STUBBORN_ROUNDS); narrowed by several rows together, they get the
        protection LP."""
        chosen: set[RowKey] = set()
        withdrawn: set[GroupKey] = set()
        published = self.table.status == PUBLISHED
        chosen_cells = np.zeros(self.table.size, dtype=bool)
        self.hidden = self.hidden_before.copy()
        self.witness_lps = 0
        for reader, target, binding in self._ordered(list(narrow), own, totals):
            mine = own.get(reader)
            unknown = ~published | chosen_cells
            unknown = unknown if mine is None else unknown & ~mine
            eligible, breakdown = self._eligible(reader, target, own, totals)
            in_equations, in_inequalities, stuck = self._picks(target, unknown, eligible)
            found = in_equations or in_inequalities
            if not found and not stuck:
                found = self._jointly_narrowed(target, binding, unknown, eligible, (reader, target) in stubborn)
            rows = self.columns.indices[self.columns.indptr[target] : self.columns.indptr[target + 1]]
            if breakdown and (stuck or not found):
                withdrawn.update(self._withdrawal(target, rows))
                continue
            found = found or self._cheapest(rows, eligible)
            chosen_cells[found] = True
            self.hidden[found] = True
        self._close(np.flatnonzero(chosen_cells).tolist(), chosen_cells, own, tuple(readers), totals)
        chosen.update(self.row_of_cell[cell] for cell in np.flatnonzero(chosen_cells).tolist())
        return chosen | self.derived(set(np.flatnonzero(chosen_cells).tolist())), withdrawn

    def _close(
        self,
        fresh: list[int],
        chosen_cells: np.ndarray,
        own: dict[str, np.ndarray],
        readers: tuple[str | None, ...],
        totals: bool,
    ) -> None:
        """Close the pattern within the round. A published count chosen for hiding is a hidden count
        itself, and where one of its rows alone leaves it less than k of room (`_room`, counting
        only cells the reader cannot pin with one equation: `_movable`), every reader of the stage
        but its owner would pin it down; the next round's audit would find exactly that, one step
        of the pattern per round. So each wave of fresh counts gets its partners now (`_partners`),
        and the partners are the next wave. What the rows alone do not show is left to the audit
        and the next round."""
        published = self.table.status == PUBLISHED
        wave = [cell for cell in fresh if published[cell] and self.can_hide[cell]]
        for _ in range(CLOSE_WAVES):
            if not wave:
                return
            partners: list[int] = []
            for reader in readers:
                mine = None if reader is None else own.get(reader)
                unknown = ~published | chosen_cells
                unknown = unknown if mine is None else unknown & ~mine
                cells = [cell for cell in wave if reader != self.owner[cell]]
                eligible = partial(self._eligible_cells, reader or "", own, totals)
                # first the rows short of room as they stand, then those short once every cell
                # an equation pins is known (a chain of hidden cells that does not close)
                new = self._partners(cells, unknown, chosen_cells, eligible)
                new += self._partners(cells, self._movable(unknown), chosen_cells, eligible)
                partners.extend(c for c in new if published[c])
            wave = partners

    def _eligible_cells(self, reader: str, own: dict[str, np.ndarray], totals: bool, cell: int) -> np.ndarray:
        return self._eligible(reader, cell, own, totals)[0]

    def _partners(
        self, wave: list[int], movable: np.ndarray, chosen_cells: np.ndarray, eligible_for: Callable[[int], np.ndarray]
    ) -> list[int]:
        """For each row in which a cell of `wave` has less than k of room, one cell to hide (the
        cheapest per short row it lies in, so that one cell serves a row and a column alike);
        a row that earlier picks gave room is skipped. The cells picked, marked chosen and movable."""
        short = [
            (cell, row)
            for cell in wave
            for row in self.columns.indices[self.columns.indptr[cell] : self.columns.indptr[cell + 1]].tolist()
            if self._room(row, cell, movable) < self.k
        ]
        shared = np.zeros(self.table.size)
        for _, row in short:
            np.add.at(shared, self.rows.indices[self.rows.indptr[row] : self.rows.indptr[row + 1]], 1.0)
        picked: list[int] = []
        for cell, row in short:
            room = self._room(row, cell, movable)
            if room >= self.k:
                continue
            pick = self._candidate(row, eligible_for(cell) & ~chosen_cells, room, shared)
            if pick is not None:
                chosen_cells[pick] = movable[pick] = self.hidden[pick] = True
                picked.append(pick)
        return picked

    def _movable(self, unknown: np.ndarray) -> np.ndarray:
        """The unknown cells that can move: the only unknown cell of an equation is known to the
        reader (its value follows), and so, step by step, is what that leaves alone."""
        movable = unknown.copy()
        for _ in range(PIN_STEPS):
            count = self.pattern @ movable.astype(np.int32)
            single = np.flatnonzero((count == 1) & self.equality)
            pinned = self.pattern[single].multiply(movable[np.newaxis, :]).tocsr()
            cells = np.unique(pinned.indices[pinned.data != 0])
            if not cells.size:
                break
            movable[cells] = False
        return movable

    def _ordered(self, narrow: list[Narrow], own: dict[str, np.ndarray], totals: bool) -> list[Narrow]:
        """The targets with a forced choice (a row with one candidate) first, then by choices."""
        published = self.table.status == PUBLISHED

        def choices(item: Narrow) -> int:
            reader, target, _ = item
            mine = own.get(reader)
            eligible, _ = self._eligible(reader, target, own, totals)
            unknown = ~published if mine is None else ~published & ~mine
            rows = self.columns.indices[self.columns.indptr[target] : self.columns.indptr[target + 1]]
            counts = [
                int(eligible[self.rows.indices[self.rows.indptr[r] : self.rows.indptr[r + 1]]].sum())
                for r in rows.tolist()
                if self._room(r, target, unknown) < self.k
            ]
            return min(counts, default=1_000_000)

        return sorted(narrow, key=choices)

    def _withdrawal(self, target: int, rows: np.ndarray) -> set[GroupKey]:
        """The breakdowns to withdraw for a target nothing can be hidden beside: its own for its
        period and its year, and every period of the same breakdown still printed in its rows (a
        year minus its printed months gives a withdrawn month back)."""
        indicator, period, _, dimension, _, _ = self.table.keys[target]
        groups = {(indicator, period, dimension), (indicator, period[:4], dimension)}
        for row in rows.tolist():
            for cell in self.rows.indices[self.rows.indptr[row] : self.rows.indptr[row + 1]].tolist():
                other = self.table.keys[cell]
                if other[0] == indicator and other[3] == dimension and self.table.status[cell] in (PUBLISHED, HIDDEN):
                    groups.add((indicator, other[1], dimension))
        return groups

    def _nearby(self, target: int, unknown: np.ndarray, eligible: np.ndarray) -> list[int]:
        """The cheapest eligible cell in the rows nearest to the target, going out through unknown
        cells (a figure that narrows the target through cells nobody prints)."""
        frontier, seen = {target}, {target}
        for _ in range(NEARBY_STEPS):
            rows = np.unique(np.concatenate([self.columns.indices[self.columns.indptr[c] : self.columns.indptr[c + 1]] for c in frontier]))  # fmt: skip
            found = self._cheapest(rows, eligible)
            if found:
                return found
            reached = set(np.concatenate([self.rows.indices[self.rows.indptr[r] : self.rows.indptr[r + 1]] for r in rows.tolist()]).tolist()) if rows.size else set()  # fmt: skip
            frontier = {c for c in reached - seen if unknown[c]}
            seen |= reached
            if not frontier:
                break
        return []

    def _jointly_narrowed(
        self, target: int, binding: tuple[str, ...], unknown: np.ndarray, eligible: np.ndarray, stubborn: bool
    ) -> list[int]:
        """The cells to hide for a target no row narrows alone: for a stubborn one (narrow in the
        rounds before too), what the protection LP moves (up to WITNESS_LPS per round); else, or
        when it finds nothing, the cheapest cell of each row that binds at the reader's optimum,
        or the nearest published figure its unknown neighbours lead to."""
        if stubborn and self.witness_lps < WITNESS_LPS:
            self.witness_lps += 1
            found = self._witness(target, unknown, eligible)
            if found:
                return found
        return self._in_binding(binding, eligible) or self._nearby(target, unknown, eligible)

    def _witness(self, target: int, unknown: np.ndarray, eligible: np.ndarray) -> list[int]:
        """The published cells whose hiding lets the target move by k for this reader
        (transforms.disclosure.witness), or none when no such point lies near the target."""
        floor = self.hidden.astype(np.float64)  # hidden now or chosen this round: at least 1
        found = protection_lp(
            self.rows, self.columns, (self.lower, self.upper), self.table.true.astype(np.float64),
            unknown, eligible & ~unknown, floor, self.cost, target, self.k,
        )  # fmt: skip
        return found or []

    def _in_binding(self, binding: tuple[str, ...], eligible: np.ndarray) -> list[int]:
        """The cheapest eligible cell of each row that binds at the reader's optimum."""
        rows = np.array([self.row_of_label[label] for label in binding if label in self.row_of_label], dtype=np.int64)
        return [cell for row in rows.tolist() for cell in self._cheapest(np.array([row]), eligible)]

    def _cheapest(self, rows: np.ndarray, eligible: np.ndarray) -> list[int]:
        cells = np.unique(np.concatenate([self.rows.indices[self.rows.indptr[r] : self.rows.indptr[r + 1]] for r in rows])) if rows.size else np.array([], dtype=np.int64)  # fmt: skip
        cells = cells[eligible[cells]]
        return [int(cells[np.argmin(self.cost[cells])])] if cells.size else []


def closing_for(readers: tuple[str, ...]) -> tuple[str | None, ...]:
    """The readers for whom a round closes its patterns (`Chooser._close`): in the insiders' stage
    the outside reader and every insider (there the rounds found one reader's pinned partner after
    another); in the outside reader's stage none: at tier M closing hid more there and converged
    later (docs/performance.md, "Closing patterns within a round")."""
    return (None, *readers) if readers else ()


def own_cells(table: CellTable, readers: Iterable[str]) -> dict[str, np.ndarray]:
    return {reader: table.provider_mask(reader) for reader in readers}
