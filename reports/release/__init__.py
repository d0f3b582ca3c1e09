"""Releases (issue 19): `kim publish` builds one (reports.release.build), `kim approve` publishes
it (reports.release.approve). The warehouse side is warehouse.releases."""

from reports.release.approve import approve_release
from reports.release.build import BuiltRelease, build_release
from warehouse.releases import ReleaseError, ReleaseRecord

__all__ = ["BuiltRelease", "ReleaseError", "ReleaseRecord", "approve_release", "build_release"]
