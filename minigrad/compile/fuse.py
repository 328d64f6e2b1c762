"""Fusion (placeholder until the generator lands): the steps are replayed as recorded."""

from __future__ import annotations

from typing import Any


def fuse(steps: list[Any], shapes: list[Any]) -> tuple[list[Any], list[Any]]:
    return steps, []
