"""Earlier releases in the audit (design §6: the reader holds every report of every release;
transforms.disclosure.history). Each release here passes its own audit; together they do not."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.transforms.disclosure.release import Release, intervals
from transforms.disclosure import audit_release, build_system
from transforms.disclosure.audit import audit
from transforms.disclosure.history import RELEASE_ID, History
from transforms.disclosure.protect import protect_release

K = 5
OCT = "2026-10"
NEEDS = "needs_unmet_count"


def history(*releases: tuple[str, Release]) -> History:
    cells = [release.frame().with_columns(pl.lit(name).alias(RELEASE_ID)) for name, release in releases]
    public = [release.public_frame().with_columns(pl.lit(name).alias(RELEASE_ID)) for name, release in releases]
    return History(pl.concat(cells), pl.concat(public))


def categories(**cells: tuple[int, str]) -> Release:
    """One city-wide breakdown by category; `total=(value, status)` among the cells."""
    release = Release()
    for category, (true, status) in cells.items():
        if category == "total":
            release.cell(NEEDS, OCT, true, status)
        else:
            release.cell(NEEDS, OCT, true, status, dimension="category", value=category)
    return release


def test_a_figure_printed_before_and_unchanged_is_known_now():
    """Now: total 13 printed, wohnen 3, arbeit 8, sprache 2 all "•": each 1…11. The earlier
    release printed arbeit = 8 (its total hidden) and nothing has changed since: wohnen + sprache
    = 13 - 8 = 5, each 1…4."""
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(8, "hidden"), sprache=(2, "hidden"))
    before = categories(total=(13, "hidden"), wohnen=(3, "hidden"), arbeit=(8, "published"), sprache=(2, "hidden"))
    assert audit(now.frame(), k=K)["protected"].all()
    assert audit(before.frame(), k=K)["protected"].all()

    found = intervals(audit(now.frame(), k=K, history=history(("2026-10.1", before))))
    # arbeit shows "•" now, but the reader knows it: no longer a target the protection could help
    assert found == {
        ("all", "category", "wohnen", OCT, "numerator"): (1, 4),
        ("all", "category", "sprache", OCT, "numerator"): (1, 4),
    }


def test_a_correction_reveals_the_hidden_figure_it_corrected():
    """Before: total 12 printed, wohnen 3, arbeit 4, sprache 5 all "•". A corrected delivery makes
    sprache 6, now printed, total 13; wohnen and arbeit unchanged and "•": together 7. The reader
    subtracts: sprache before = 12 - 7 = 5, exactly, though it was hidden."""
    before = categories(total=(12, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(5, "hidden"))
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(6, "published"))
    assert audit(before.frame(), k=K)["protected"].all()
    assert audit(now.frame(), k=K)["protected"].all()

    result = audit(now.frame(), k=K, history=history(("2026-10.1", before)))
    found = intervals(result)
    assert found[("all", "category", "sprache", OCT, "numerator@2026-10.1")] == (5, 5)
    assert found[("all", "category", "wohnen", OCT, "numerator")] == (1, 6)
    assert not result.filter(pl.col("column") == "numerator@2026-10.1")["protected"].any()


def test_the_protection_hides_more_of_the_new_release_and_never_touches_the_old():
    before = categories(total=(12, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(5, "hidden"))
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(6, "published"))
    earlier = history(("2026-10.1", before))
    protection = protect_release(now.frame(), k=K, history=earlier)
    assert protection.passed
    assert protection.cells.height == now.frame().height  # no vintage leaks into the release's cells
    newly_hidden = protection.cells.filter(pl.col("status") == "hidden").height - 2
    assert newly_hidden >= 1
    assert audit_release(protection.cells, k=K, history=earlier).passed


def test_vintages_equal_in_two_earlier_releases_are_one_unknown():
    first = categories(total=(12, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(5, "hidden"))
    second = categories(total=(12, "hidden"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(5, "hidden"))
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(6, "published"))
    release = build_system(now.frame(), history=history(("2026-10.1", first), ("2026-10.2", second)))
    vintages = [key for key in release.table.keys if "@" in key[5]]
    assert sorted(vintages) == [
        (NEEDS, OCT, "all", "all", "all", "numerator@2026-10.1"),
        (NEEDS, OCT, "all", "category", "sprache", "numerator@2026-10.1"),
    ]
    assert release.table.release_size == now.frame().height


def test_a_history_without_release_ids_is_refused():
    with pytest.raises(ValueError, match="release_id"):
        earlier = Release().cell(NEEDS, OCT, 3)
        build_system(earlier.frame(), history=History(earlier.frame(), earlier.public_frame()))


def test_an_earlier_release_is_built_once_per_history():
    """The protection rebuilds the system every round; an earlier release never changes."""
    from transforms.disclosure.history import validate_history

    before = categories(total=(12, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(5, "hidden"))
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(4, "hidden"), sprache=(6, "published"))
    earlier = validate_history(history(("2026-10.1", before)))
    assert validate_history(earlier) is earlier
    first = build_system(now.frame(), history=earlier)
    built = dict(earlier._built)
    second = build_system(now.frame(), history=earlier)
    assert len(built) == 1 and all(earlier._built[key] is value for key, value in built.items())
    assert (first.system.matrix != second.system.matrix).nnz == 0


def test_the_protection_never_hides_a_figure_an_earlier_release_printed():
    """Now wohnen + sprache = 13 - 8 = 5 pins both to 1…4; hiding arbeit would do it without
    history, but the earlier release printed arbeit = 8 (unchanged): the total must go."""
    before = categories(total=(13, "hidden"), wohnen=(3, "hidden"), arbeit=(8, "published"), sprache=(2, "hidden"))
    now = categories(total=(13, "published"), wohnen=(3, "hidden"), arbeit=(8, "published"), sprache=(2, "hidden"))
    earlier = history(("2026-10.1", before))
    assert not audit_release(now.frame(), k=K, history=earlier).passed
    table = build_system(now.frame(), history=earlier).table
    candidates = {table.keys[i][4] for i in np.flatnonzero(table.in_release())}
    assert candidates == {"all", "wohnen", "sprache"}  # arbeit is printed now and was before: no candidate
    protection = protect_release(now.frame(), k=K, history=earlier)
    assert protection.passed
    status = {row["dimension_value"]: row["status"] for row in protection.cells.iter_rows(named=True)}
    assert status["arbeit"] != "hidden"  # never chosen: (withdrawing the whole breakdown may take it along)
    assert status["all"] == "hidden"
    assert audit_release(protection.cells, k=K, history=earlier).passed


def test_the_protection_sees_a_grouped_row_that_repeats_a_fine_row_as_that_fine_row():
    """The audit reads the yearly grouped rows too; a grouped row that pools nothing repeats its fine
    row (same figure, same status). In the protection's model only the fine row exists: the history
    it gets leaves the repeats out, or they would be other unknowns tied by the old equations."""
    from warehouse.disclosure_protection import without_aliases

    year = "2025"
    release = Release()
    release.cell(NEEDS, year, 40, dimension="category", value="wohnen")
    release.cell(NEEDS, year, 40, dimension="category_grouped", value="wohnen")  # the repeat
    release.cell(NEEDS, year, 9, dimension="category_grouped", value="arbeit+sprache")  # a pool
    grouped = pl.DataFrame(
        [(NEEDS, year, "all", "category_grouped", "wohnen", "category", "wohnen"),
         (NEEDS, year, "all", "category_grouped", "arbeit+sprache", None, None)],
        schema=["indicator_id", "period", "provider_id", "dimension", "dimension_value", "alias_dimension", "alias_value"],
        orient="row",
    )  # fmt: skip
    kept = without_aliases(history(("2026-10.1", release)), grouped)
    assert sorted(kept.cells["dimension"].to_list()) == ["category", "category_grouped"]
    assert kept.cells.filter(pl.col("dimension") == "category_grouped")["dimension_value"].to_list() == [
        "arbeit+sprache"
    ]
    assert without_aliases(History.empty(), grouped).cells.is_empty()
