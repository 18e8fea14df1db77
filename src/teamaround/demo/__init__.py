"""Demo data: an invented copy of the Child O scenario, so `make demo` needs nothing else."""

from pathlib import Path

CHILD_O = Path(__file__).parent / "child-o.yaml"
