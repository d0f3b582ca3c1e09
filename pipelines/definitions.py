"""The one Definitions object, loaded from the defs/ folder (dg project layout)."""

import warnings
from pathlib import Path

import dagster as dg

# Who answers for the assets in the UI: the KI's analytics team (one owner for the whole pipeline).
OWNER = "team:ki-analytics"


def _owned(spec: dg.AssetSpec) -> dg.AssetSpec:
    return spec if spec.owners else spec.replace_attributes(owners=[OWNER])


@dg.definitions
def defs() -> dg.Definitions:
    loaded = dg.load_from_defs_folder(path_within_project=Path(__file__).parent)
    with warnings.catch_warnings():  # map_asset_specs is a Dagster "preview" API; it works as documented
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return loaded.map_asset_specs(func=_owned)
