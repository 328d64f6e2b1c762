"""Checkpoint I/O in the safetensors format: ``save``, ``load`` and tooling helpers.

Nothing here ever unpickles. See docs/io.md for the format and guarantees.
"""

from .serialization import load, load_metadata, safetensors_header, save

__all__ = ["save", "load", "load_metadata", "safetensors_header"]
