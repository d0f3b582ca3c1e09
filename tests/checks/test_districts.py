"""The city's district list (kim.config `districts`, design §6 / issue 16): `district` is a code of
the city's list; any other value rejects the delivery without repeating it, because a free field is
where a name or an address slips in."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from kim.config import ConfigError, Profile, load_config
from kim.errors import DeliveryRejected
from synthetic.parameters import DISTRICT_WEIGHTS
from transforms.decode import check_districts

FOLDER = Path("landing/caritas/2026-01")
DISTRICTS = ("wiesdorf", "opladen", "bergisch_neukirchen")
REFERENCE = Profile(name="reference", format="csv")


def test_the_default_city_lists_the_districts_the_synthetic_deliveries_use():
    assert set(load_config().districts) == set(DISTRICT_WEIGHTS)


def test_a_district_outside_the_list_rejects_on_its_line_without_echoing_it():
    frame = pl.DataFrame({"district": ["wiesdorf", None, "Mueller"]})
    with pytest.raises(DeliveryRejected) as caught:
        check_districts(frame, REFERENCE, DISTRICTS, FOLDER, "cases.csv")
    rejection = caught.value
    assert (rejection.rule, rejection.file_name, rejection.source_row) == ("district_unknown", "cases.csv", 4)
    assert "Mueller" not in str(rejection)
    assert "wiesdorf, opladen, bergisch_neukirchen" in rejection.message  # the allowed codes are public


def test_listed_districts_and_empty_cells_pass_and_a_profile_maps_its_own_codes():
    check_districts(pl.DataFrame({"district": ["opladen", None, ""]}), REFERENCE, DISTRICTS, FOLDER, "cases.csv")
    own = Profile(name="awo", format="csv", codes={"district": {"Opladen": "opladen", "Wiesdorf": "wiesdorf"}})
    check_districts(pl.DataFrame({"district": ["Opladen", "Wiesdorf"]}), own, DISTRICTS, FOLDER, "cases.csv")
    with pytest.raises(DeliveryRejected, match="profile 'awo'"):
        check_districts(pl.DataFrame({"district": ["Opladen", "Manfort"]}), own, DISTRICTS, FOLDER, "cases.csv")


def test_a_numeric_workbook_cell_is_checked_as_text():
    # a workbook cell 2144065246 (a phone number without its 0) arrives as a number
    with pytest.raises(DeliveryRejected) as caught:
        check_districts(pl.DataFrame({"district": [2144065246]}), REFERENCE, DISTRICTS, FOLDER, "export.xlsx[cases]")
    assert caught.value.source_row == 2


@pytest.mark.parametrize(
    ("districts", "message"),
    [
        ("wiesdorf", "must be a list of codes"),
        (["Wiesdorf"], "must be a list of codes"),
        (["wiesdorf", "wiesdorf"], "lists a code twice"),
    ],
)
def test_a_bad_district_list_is_a_config_error(tmp_path, districts, message):
    import yaml

    raw = yaml.safe_load(load_config().path.read_text(encoding="utf-8"))
    raw["districts"] = districts
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_a_city_without_a_list_has_none(tmp_path):
    import yaml

    raw = yaml.safe_load(load_config().path.read_text(encoding="utf-8"))
    del raw["districts"]
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_config(path).districts == ()  # then only the code-word rule applies (test_pii.py)
