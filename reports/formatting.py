"""Moved to `reports.kit.formatting`; this name stays for the modules that still import it
from here (`reports.suppression`)."""

from reports.kit.formatting import *  # noqa: F403
