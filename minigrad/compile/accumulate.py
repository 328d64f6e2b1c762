"""Gradients summed in place: a pass over a program, after fusion.

The engine sums the gradients a node receives out of place (``total = total + g``),
because it can't know who else holds ``total``. A program can: when a node's gradient
slot holds an array this replay made fresh (the result of an earlier sum, or a slice's
gradient scattered into zeros), nothing else holds it until the node consumes it, so the
next gradient is added into it in place. And a slice's gradient (``x[a:b]``, from
splitting q, k and v, say) is then added into its part of the total, instead of being
scattered into a full-size array of zeros that is summed after.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops.indexing import GetItem
from .program import ADD, ADD_INTO, SET


class SliceAdd:
    """``env[slot][index] += env[grad]``: a slice's gradient added into the part of an
    owned total it came from (stands in for the slice's backward step)."""

    __slots__ = ("grad", "slot", "ctx", "name")
    kind = "slice_add"

    def __init__(self, grad: int, slot: int, ctx: Any, name: str) -> None:
        self.grad, self.slot, self.ctx, self.name = grad, slot, ctx, name

    def run(self, env: list[Any]) -> None:
        target = env[self.slot]
        target[self.ctx.index] += env[self.grad]  # the index its forward used this replay

    def reads(self) -> list[int]:
        return [self.grad, self.slot]

    def describe(self) -> str:
        return (f"{self.name}(s{self.grad}) -> s{self.slot}[{_index(self.ctx.index)}] += d0  "
                f"[in place]")


def accumulate_in_place(steps: list[Any], shapes: list[Any]) -> list[Any]:
    """The program's steps with sums into owned gradient slots made in place."""
    owned: set[int] = set()  # gradient slots holding an array this replay made fresh
    indices = {id(s.ctx): s.args[1] for s in steps if s.kind == "forward" and s.fn is GetItem}
    out: list[Any] = []
    for step in steps:
        if step.kind == "fused":
            owned.difference_update(step.writes_slots())
        if step.kind != "backward":
            out.append(step)
            continue
        is_slot, index = indices.get(id(step.ctx), (True, None))
        basic_slice = step.fn is GetItem and not is_slot and _slices_only(index)
        if basic_slice and len(step.routes) == 1 and _adds_into(step.routes[0], owned) and \
                shapes[step.grad] is not None and \
                np.dtype(shapes[step.grad][1]) == np.dtype(step.routes[0][4]):
            out.append(SliceAdd(step.grad, step.routes[0][2], step.ctx, step.name))
            continue
        routes = []
        for route in step.routes:
            kind, slot = route[1], route[2]
            if _adds_into(route, owned):
                route = (route[0], ADD_INTO, *route[2:])
            if kind == ADD:
                owned.add(slot)  # the sum is a fresh array, or the owned one added into
            elif kind == SET:
                if basic_slice:  # scattered into fresh zeros
                    owned.add(slot)
                else:  # may be an array the backward also gave elsewhere
                    owned.discard(slot)
            routes.append(route)
        step.routes = routes
        out.append(step)
    return out


def _slices_only(index: Any) -> bool:
    """An index of slices, ints, None and ``...``: a view that never repeats an element."""
    items = index if isinstance(index, tuple) else (index,)
    return all(item is None or item is Ellipsis or isinstance(item, (slice, int))
               for item in items)


def _adds_into(route: tuple[Any, ...], owned: set[int]) -> bool:
    return route[1] == ADD and route[2] in owned


def _index(index: Any) -> str:
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for item in items:
        if isinstance(item, slice):
            text = ":".join("" if v is None else str(v) for v in (item.start, item.stop))
            parts.append(text + (f":{item.step}" if item.step is not None else ""))
        elif item is Ellipsis:
            parts.append("...")
        else:
            parts.append(repr(item))
    return ", ".join(parts)
