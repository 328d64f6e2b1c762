"""Fusion: runs of consecutive elementwise steps become one generated numba kernel each.

A step can join a group when its op has a formula in ``codegen.FORMULAS``, every array
it reads or writes has the group's one shape and dtype (no broadcasting), and its op's
forward and backward can both be fused (a fused forward keeps nothing in its ctx, so its
backward must be fused too). Matrix products and everything else stay as they are.

A group reads its inputs from their slots, keeps intermediates in registers, and writes
only the values a later step (or the result) reads, into rows of one buffer allocated
once per program. Under ``MINIGRAD_KERNELS=numpy`` nothing is fused: the recorded steps
themselves are the NumPy twin of every fused kernel.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..kernels import using_reference
from .codegen import FORMULAS, kernel_source, load_kernel
from .program import ADD, SET

MIN_GROUP = 2
MAX_GROUP = int(os.environ.get("MINIGRAD_FUSE_MAX_OPS", "32"))  # numba's compile time grows
# faster than linearly with a kernel's length: long chains become several kernels


class FusedGroup:
    """One generated kernel standing in for a run of elementwise steps."""

    kind = "fused"

    def __init__(self, index: int, steps: list[Any], shape: tuple[int, ...], dtype: Any,
                 inputs: list[int], stores: list[int], escaping: set[int], source: str,
                 module: str, kernel: Any) -> None:
        self.index, self.steps, self.shape, self.dtype = index, steps, shape, np.dtype(dtype)
        self.inputs, self.stores, self.source, self.module = inputs, stores, source, module
        self.kernel = kernel
        self.n = int(np.prod(shape))
        self.buffer = np.empty((max(len(stores), 1), self.n), self.dtype)
        self.views = [(slot, self.buffer[row].reshape(shape), slot in escaping)
                      for row, slot in enumerate(stores)]

    def run(self, env: list[Any]) -> None:
        ins = tuple([env[s].ravel() for s in self.inputs])
        self.kernel(ins, self.buffer, self.n)
        for slot, view, escapes in self.views:
            env[slot] = view.copy() if escapes else view

    def reads(self) -> list[int]:
        return list(self.inputs)

    def describe(self) -> str:
        names = [_step_name(s) for s in self.steps]
        shown = ", ".join(names if len(names) <= 8 else names[:4] + ["..."] + names[-3:])
        return (f"group {self.index}: {shown} ({len(self.steps)} ops) on {list(self.shape)} "
                f"{self.dtype.name}, reads {len(self.inputs)} arrays, writes {len(self.stores)}")

    def summary(self) -> str:
        names = ", ".join(_step_name(s) for s in self.steps)
        return (f"fused group {self.index}: {len(self.steps)} ops on {list(self.shape)} "
                f"{self.dtype.name} -> one numba kernel ({self.module}): reads "
                f"{len(self.inputs)} arrays, writes {len(self.stores)} "
                f"({self.buffer.nbytes / 1024:.1f} KiB buffer, allocated once): {names}")


def _step_name(step: Any) -> str:
    return step.fn.__name__ if step.kind == "forward" else step.name


def fuse(steps: list[Any], shapes: list[Any], template_slots: set[int] | None = None
         ) -> tuple[list[Any], list[FusedGroup]]:
    """Replace runs of fusible steps by ``FusedGroup`` steps. Returns (steps, groups)."""
    if using_reference():
        return steps, []
    fusible = _fusible_steps(steps, shapes)
    op_of = {id(s): id(s.ctx) for s in steps if s.kind in ("forward", "backward")}
    while True:  # a lone op is not worth a kernel; dropping it drops its forward/backward twin
        runs = _runs(steps, fusible)
        short = {op_of[id(steps[r[0]])] for r in runs if len(r) < MIN_GROUP}
        if not short:
            break
        fusible = {k: v for k, v in fusible.items() if op_of[k] not in short}
    if not runs:
        return steps, []
    forwards = {id(s.ctx): s for s in steps if s.kind == "forward"}
    later_reads = _reads_after(steps, forwards)
    escaping = set(template_slots or ()) | _escaping(steps)
    out: list[Any] = []
    groups: list[FusedGroup] = []
    start = 0
    for run in runs:
        out.extend(steps[start:run[0]])
        shape, dtype = fusible[id(steps[run[0]])]
        group = _build_group(len(groups), [steps[i] for i in run], shape, dtype, forwards,
                             later_reads[run[-1] + 1] | set(template_slots or ()), escaping)
        groups.append(group)
        out.append(group)
        start = run[-1] + 1
    out.extend(steps[start:])
    return out, groups


def _runs(steps: list[Any], fusible: dict[int, Any]) -> list[list[int]]:
    """Positions of consecutive fusible steps of one shape and dtype, at most MAX_GROUP each."""
    runs: list[list[int]] = []
    for i, step in enumerate(steps):
        key = fusible.get(id(step))
        if key is None:
            continue
        if (runs and runs[-1][-1] == i - 1 and fusible[id(steps[runs[-1][-1]])] == key
                and len(runs[-1]) < MAX_GROUP):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _fusible_steps(steps: list[Any], shapes: list[Any]) -> dict[int, tuple[Any, Any]]:
    """id(step) -> (shape, dtype) of each step that can be fused."""
    result: dict[int, tuple[Any, Any]] = {}
    for step in steps:
        if step.kind == "forward" and step.fn in FORMULAS and not step.kwargs:
            key = shapes[step.out]
            slots = [v for s, v in step.args if s]
            consts = [v for s, v in step.args if not s]
            if (key is not None and slots and all(shapes[v] == key for v in slots)
                    and all(type(c) in (int, float) for c in consts)
                    and (step.fn.__name__ != "Pow" or not step.args[1][0])
                    and np.dtype(key[1]).kind == "f"):
                result[id(step.ctx)] = key
    for step in steps:  # an op fuses only if its backward can too
        if step.kind != "backward" or id(step.ctx) not in result:
            continue
        key = result[id(step.ctx)]
        ok = shapes[step.grad] == key and all(
            r[1] in (SET, ADD) and (r[3], np.dtype(r[4])) == (key[0], np.dtype(key[1]))
            for r in step.routes)
        if ok:
            result[id(step)] = key
        else:
            del result[id(step.ctx)]
    for step in steps:
        if step.kind == "forward" and id(step.ctx) in result:
            result[id(step)] = result[id(step.ctx)]
    ids = {id(s) for s in steps}
    return {k: v for k, v in result.items() if k in ids}


def _reads_after(steps: list[Any], forwards: dict[int, Any]) -> list[set[int]]:
    """For each position i, the slots steps[i:] read (a fused backward also reads its
    forward's inputs and output, which it uses in place of the ctx's saved arrays)."""
    after: list[set[int]] = [set() for _ in range(len(steps) + 1)]
    for i in range(len(steps) - 1, -1, -1):
        step = steps[i]
        reads = set(step.reads())
        if step.kind == "backward" and id(step.ctx) in forwards:
            forward = forwards[id(step.ctx)]
            reads.update(forward.reads())
            reads.add(forward.out)
        after[i] = after[i + 1] | reads
    return after


def _escaping(steps: list[Any]) -> set[int]:
    """Slots whose arrays may outlive a replay (handed to a host call, assigned to .grad):
    a group writes those into fresh arrays rather than its reused buffer."""
    out: set[int] = set()
    for step in steps:
        if step.kind in ("host", "set_grad", "write", "commit"):
            out.update(step.reads())
    return out


def _build_group(index: int, steps: list[Any], shape: Any, dtype: Any,
                 forwards: dict[int, Any], needed_after: set[int],
                 escaping: set[int]) -> FusedGroup:
    dtype_name = np.dtype(dtype).name
    constants: list[Any] = []
    local: set[int] = set()  # slots already held in a local variable
    inputs: list[int] = []
    body: list[str] = []
    names_of: dict[int, str] = {}  # slot -> local name, numbered in order of first use, so
    # that the same chain of ops (in every layer of a model) gives the same kernel text

    def name(slot: int) -> str:
        if slot not in names_of:
            names_of[slot] = f"v{len(names_of)}"
        return names_of[slot]

    def var(slot: int) -> str:
        if slot not in local:
            local.add(slot)
            inputs.append(slot)
        return name(slot)

    def operand(is_slot: bool, value: Any) -> str:
        if is_slot:
            return var(value)
        constants.append(float(value))
        return f"c{len(constants) - 1}"

    for step in steps:
        if step.kind == "forward":
            names = [operand(s, v) for s, v in step.args]
            expr = FORMULAS[step.fn][0].format(one="one", zero="zero", **dict(zip("ab", names)))
            body.append(f"{name(step.out)} = {expr}  # {step.fn.__name__}")
            local.add(step.out)
            continue
        forward = forwards[id(step.ctx)]
        formulas = FORMULAS[forward.fn][1]
        used = "".join(formulas[r[0]] for r in step.routes)
        names = {"g": var(step.grad), "one": "one", "zero": "zero"}
        for letter, (is_slot, value) in zip("ab", forward.args):
            if "{" + letter + "}" in used:  # load only what the formulas use
                names[letter] = operand(is_slot, value)
        if "{y}" in used:
            names["y"] = var(forward.out)
        for route in step.routes:
            position, kind, slot = route[0], route[1], route[2]
            expr = formulas[position].format(**names)
            if kind == ADD:
                body.append(f"{name(slot)} = {var(slot)} + {expr}  # {step.name} d{position}")
            else:
                body.append(f"{name(slot)} = {expr}  # {step.name} d{position}")
                local.add(slot)
    written = {s.out for s in steps if s.kind == "forward"} | {
        r[2] for s in steps if s.kind == "backward" for r in s.routes}
    stores = [slot for slot in names_of if slot in written and slot in needed_after]
    loads = [(name(slot), k) for k, slot in enumerate(inputs)]
    # the loads must come first: inputs is in order of first use, body reads them after
    source = kernel_source(f"fused_{dtype_name}", dtype_name, constants, body, loads,
                           [(row, name(slot)) for row, slot in enumerate(stores)])
    module, kernel = load_kernel(source)
    return FusedGroup(index, steps, shape, dtype, inputs, stores, escaping, source, module,
                      kernel)
