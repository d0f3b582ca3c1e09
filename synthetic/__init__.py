"""Synthetic provider deliveries: a deterministic, realistic city for demos, tests, benchmarks."""

from synthetic.delivery_writer import write_delivery
from synthetic.generator import generate

__all__ = ["generate", "write_delivery"]
