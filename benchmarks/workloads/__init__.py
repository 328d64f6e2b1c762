"""Benchmark workloads: each module here exposes ``cases(quick=False) -> list[Case]``.

Modules whose names start with an underscore are helpers, not workloads.
"""

from __future__ import annotations

import os
import pkgutil


def available() -> list[str]:
    """Names of every workload module in this package, sorted."""
    here = os.path.dirname(os.path.abspath(__file__))
    return sorted(
        info.name for info in pkgutil.iter_modules([here]) if not info.name.startswith("_")
    )
