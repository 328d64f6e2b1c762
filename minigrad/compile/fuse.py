"""Fusion: runs of consecutive elementwise steps become one generated numba kernel each.

A group loops over one domain: the shape of its largest arrays, ``n`` elements. Each
value in it lives in one of three phases of the kernel:

- before the loop: size-1 values (a scalar weight, a bias of one element, the seed
  gradient ``1.0``) and what is computed from them alone;
- in the loop: values with the domain's shape, one element per iteration; a size-1
  value is broadcast by being read as a plain local;
- after the loop: sums over the domain (``x.sum()``, ``x.mean()``, and the gradient of
  a broadcast size-1 input summed back to its shape), and what is computed from them.

Steps join a group in program order while they fit: elementwise ops with a formula in
``codegen.FORMULAS`` and their backward formulas, full reductions (``Sum``/``Mean`` to
one element) and their backward, and in-place writes under no_grad (``p.sub_(lr * g)``,
written straight into the parameter's array). A value the loop needs can't come from
after the loop: such a step starts the next group. A gradient that goes into a leaf's
``.grad`` is computed in the kernel and added to ``.grad`` in Python after it, as the
engine does. An op fuses only if its forward and backward both can (a fused forward
keeps nothing in its ctx). Matrix products and everything else stay as they are.

A group writes only the values a later step (or the result) reads: domain-shaped ones
into rows of one buffer, size-1 ones into a small array, both allocated once per
program. Under ``MINIGRAD_KERNELS=numpy`` nothing is fused: the recorded steps
themselves are the NumPy twin of every fused kernel.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from ..autograd.graph import increment_version
from ..kernels import using_reference
from .codegen import FORMULAS, REDUCTIONS, kernel_source, load_kernel
from .program import ADD, LEAF, accumulate_leaf

MIN_GROUP = 2
MAX_GROUP = int(os.environ.get("MINIGRAD_FUSE_MAX_OPS", "32"))  # numba's compile time grows
# faster than linearly with a kernel's length: long chains become several kernels
BEFORE, LOOP, AFTER = 0, 1, 2  # the phases of a kernel
WRITES = {np.add: "{t} + {o}", np.subtract: "{t} - {o}", np.multiply: "{t} * {o}",
          np.true_divide: "{t} / {o}", np.copyto: "{o}"}


class FusedGroup:
    """One generated kernel standing in for a run of steps (see the module doc)."""

    kind = "fused"

    def __init__(self, index: int, plan: _Plan, needed_after: set[int], escaping: set[int]
                 ) -> None:
        self.index, self.steps, self.shape = index, plan.steps, plan.domain
        self.dtype, self.n, self.inputs = plan.dtype, plan.n, list(plan.inputs)
        rows: list[tuple[str, int | None]] = []  # (local, slot) per buffer row / scalar
        scalars: list[tuple[str, int | None]] = []
        for slot, name in plan.names.items():
            if slot in plan.defined and slot in needed_after:
                (rows if plan.phase[slot] == LOOP else scalars).append((name, slot))
        leaf_places = []  # (slot, phase, row or scalar index of its raw gradient, leaf)
        for slot, name, phase, leaf in plan.leaf_routes:
            kept = rows if phase == LOOP else scalars
            kept.append((name, None))
            leaf_places.append((slot, phase, len(kept) - 1, leaf))
        self.source = kernel_source(
            f"fused_{self.dtype.name}", self.dtype.name, plan.constants, plan.before,
            plan.loop + [f"outs[{r}, i] = {name}" for r, (name, _) in enumerate(rows)],
            plan.after + [f"scalars[{j}] = {name}" for j, (name, _) in enumerate(scalars)])
        self.module, self.kernel = load_kernel(self.source)
        self.buffer = np.empty((max(len(rows), 1), self.n), self.dtype)
        self.scalars = np.empty(max(len(scalars), 1), self.dtype)
        shapes = plan.shapes
        self.views = [(slot, self._view(LOOP, r, shapes[slot][0]), slot in escaping)
                      for r, (_, slot) in enumerate(rows) if slot is not None]
        self.views += [(slot, self._view(AFTER, j, shapes[slot][0]), slot in escaping)
                       for j, (_, slot) in enumerate(scalars) if slot is not None]
        self.leaves = [(slot, self._view(phase, at, shapes[slot][0]), leaf)
                       for slot, phase, at, leaf in leaf_places]  # raw gradient's view
        self.writes = [(plan.inputs.index(slot), slot, tensor) for slot, tensor in plan.writes]
        self.n_rows, self.n_scalars = len(rows), len(scalars)

    def _view(self, phase: int, at: int, shape: tuple[int, ...]) -> np.ndarray:
        flat = self.buffer[at] if phase == LOOP else self.scalars[at:at + 1]
        return flat.reshape(shape)

    def run(self, env: list[Any]) -> None:
        ins = tuple([env[s].reshape(-1) for s in self.inputs])
        self.kernel(ins, self.buffer, self.scalars, self.n)
        for slot, view, escapes in self.views:
            env[slot] = view.copy() if escapes else view
        for slot, raw, (is_slot, leaf) in self.leaves:
            env[slot] = accumulate_leaf(env[leaf] if is_slot else leaf, raw, True)
        for k, slot, tensor in self.writes:
            target = env[slot]
            if not target.flags.c_contiguous:  # the kernel wrote into a flat copy
                np.copyto(target, ins[k].reshape(target.shape))
            if tensor is not None:
                increment_version(env[tensor[1]] if tensor[0] else tensor[1])

    def reads(self) -> list[int]:
        return list(self.inputs)

    def writes_slots(self) -> list[int]:
        """The slots a run points at new arrays (its buffer's rows, leaf gradients)."""
        return [slot for slot, *_ in self.views] + [slot for slot, *_ in self.leaves]

    def describe(self) -> str:
        names = [_step_name(s) for s in self.steps]
        shown = ", ".join(names if len(names) <= 8 else names[:4] + ["..."] + names[-3:])
        return (f"group {self.index}: {shown} ({len(self.steps)} ops) on {list(self.shape)} "
                f"{self.dtype.name}, reads {len(self.inputs)} arrays, writes "
                f"{self.n_rows + self.n_scalars}")

    def summary(self) -> str:
        names = ", ".join(_step_name(s) for s in self.steps)
        size = (self.buffer.nbytes + self.scalars.nbytes) / 1024
        return (f"fused group {self.index}: {len(self.steps)} ops on {list(self.shape)} "
                f"{self.dtype.name} -> one numba kernel ({self.module}): reads "
                f"{len(self.inputs)} arrays, writes {self.n_rows + self.n_scalars} "
                f"({size:.1f} KiB buffer, allocated once): {names}")


def _step_name(step: Any) -> str:
    if step.kind == "forward":
        return step.fn.__name__
    return step.name if step.kind == "backward" else step.op


def fuse(steps: list[Any], arrays: list[Any], shapes: list[Any],
         template_slots: set[int] | None = None) -> tuple[list[Any], list[FusedGroup]]:
    """Replace runs of fusible steps by ``FusedGroup`` steps. ``arrays`` are the trace's
    values of the slots, ``shapes`` their (shape, dtype) or None. Returns (steps, groups)."""
    if using_reference():
        return steps, []
    forwards = {id(s.ctx): s for s in steps if s.kind == "forward"}
    fusible = _fusible_steps(steps, shapes, forwards)
    op_of = {id(s): id(s.ctx) if s.kind in ("forward", "backward") else id(s) for s in steps}
    while True:  # a lone op is not worth a kernel; dropping it drops its forward/backward twin
        runs = _runs(steps, fusible, (arrays, shapes), forwards)
        short = {op_of[id(steps[r[0]])] for r, _ in runs if len(r) < MIN_GROUP}
        if not short:
            break
        fusible = {k: v for k, v in fusible.items() if op_of[k] not in short}
    if not runs:
        return steps, []
    later_reads = _reads_after(steps, forwards)
    escaping = set(template_slots or ()) | _escaping(steps)
    out: list[Any] = []
    groups: list[FusedGroup] = []
    start = 0
    for run, plan in runs:
        out.extend(steps[start:run[0]])
        group = FusedGroup(len(groups), plan,
                           later_reads[run[-1] + 1] | set(template_slots or ()), escaping)
        groups.append(group)
        out.append(group)
        start = run[-1] + 1
    out.extend(steps[start:])
    return out, groups


# --------------------------------------------------------------- which steps can fuse
def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def _floating(entry: Any, dtype: np.dtype | None = None) -> bool:
    if entry is None or np.dtype(entry[1]).kind != "f":
        return False
    return dtype is None or np.dtype(entry[1]) == dtype


def _forward_domain(step: Any, shapes: list[Any]) -> tuple[Any, np.dtype] | None:
    out = shapes[step.out]
    if not _floating(out) or step.kwargs:
        return None
    shape, dtype = out[0], np.dtype(out[1])
    if step.fn in REDUCTIONS:
        is_slot, x = step.args[0]
        if len(step.args) == 3 and is_slot and _floating(shapes[x], dtype) and _size(shape) == 1:
            return shapes[x][0], dtype
        return None
    if step.fn not in FORMULAS:
        return None
    slots = [v for s, v in step.args if s]
    consts = [v for s, v in step.args if not s]
    if (not slots or any(type(c) not in (int, float) for c in consts)
            or (step.fn.__name__ == "Pow" and step.args[1][0])):
        return None
    for v in slots:
        if not _floating(shapes[v], dtype) or (shapes[v][0] != shape
                                               and _size(shapes[v][0]) != 1):
            return None
    return shape, dtype


def _backward_domain(step: Any, forward: Any, shapes: list[Any], domain: Any, dtype: Any
                     ) -> bool:
    grad = shapes[step.grad]
    if not _floating(grad, dtype):
        return False
    if forward.fn in REDUCTIONS:
        return _size(grad[0]) == 1 and all(r[3] == domain for r in step.routes)
    return grad[0] == domain and all(
        np.dtype(r[4]) == dtype and (r[3] == domain or _size(r[3]) == 1) for r in step.routes)


def _write_domain(step: Any, shapes: list[Any]) -> tuple[Any, np.dtype] | None:
    target = shapes[step.target]
    if step.ufunc not in WRITES or not _floating(target):
        return None
    shape, dtype = target[0], np.dtype(target[1])
    is_slot, other = step.other
    if is_slot:
        entry = shapes[other]
        if not _floating(entry, dtype) or (entry[0] != shape and _size(entry[0]) != 1):
            return None
    elif type(other) not in (int, float) or type(step.alpha) not in (int, float):
        return None
    return shape, dtype


def _fusible_steps(steps: list[Any], shapes: list[Any], forwards: dict[int, Any]
                   ) -> dict[int, tuple[Any, np.dtype]]:
    """id(step) -> (domain shape, dtype) of each step that can join a group. Forward and
    backward steps of one op are keyed together through the op's ctx."""
    result: dict[int, tuple[Any, np.dtype]] = {}
    for step in steps:
        if step.kind == "forward":
            key = _forward_domain(step, shapes)
            if key is not None:
                result[id(step.ctx)] = key
        elif step.kind == "write":
            key = _write_domain(step, shapes)
            if key is not None:
                result[id(step)] = key
    for step in steps:  # an op fuses only if its backward can too
        if step.kind != "backward" or id(step.ctx) not in result:
            continue
        key = result[id(step.ctx)]
        if _backward_domain(step, forwards[id(step.ctx)], shapes, *key):
            result[id(step)] = key
        else:
            del result[id(step.ctx)]
    for step in steps:
        if step.kind == "forward" and id(step.ctx) in result:
            result[id(step)] = result[id(step.ctx)]
    ids = {id(s) for s in steps}
    return {k: v for k, v in result.items() if k in ids}


# --------------------------------------------------------------- planning the groups
def _runs(steps: list[Any], fusible: dict[int, Any], slots: tuple[list[Any], list[Any]],
          forwards: dict[int, Any]) -> list[tuple[list[int], _Plan]]:
    """Consecutive fusible steps over one domain and dtype, planned into groups: a step
    that doesn't fit the open group (it needs a value from after that group's loop, or
    the group is full) starts the next one."""
    runs: list[tuple[list[int], _Plan]] = []
    i = 0
    while i < len(steps):
        if id(steps[i]) not in fusible:
            i += 1
            continue
        end, domain, dtype = i, None, fusible[id(steps[i])][1]
        while end < len(steps) and id(steps[end]) in fusible:
            shape, step_dtype = fusible[id(steps[end])]
            if step_dtype != dtype or (_size(shape) > 1 and domain not in (None, shape)):
                break
            if _size(shape) > 1:
                domain = shape
            end += 1
        runs += _plan_segment(steps[i:end], i, [fusible[id(s)][0] for s in steps[i:end]],
                              dtype, slots, forwards)
        i = end
    return runs


def _plan_segment(steps: list[Any], start: int, domains: list[Any], dtype: np.dtype,
                  slots: tuple[list[Any], list[Any]], forwards: dict[int, Any]
                  ) -> list[tuple[list[int], _Plan]]:
    """Groups for consecutive fusible steps (``steps``, at ``start`` in the program)."""

    def fresh(k: int) -> _Plan:  # over the largest domain among the steps left
        ahead = [shape for shape in domains[k:] if _size(shape) > 1]
        return _Plan(ahead[0] if ahead else domains[k], dtype, slots, forwards)

    runs: list[tuple[list[int], _Plan]] = []
    plan, members = fresh(0), []
    for k, step in enumerate(steps):
        if len(members) < MAX_GROUP and plan.add(step):
            members.append(start + k)
            continue
        if members:
            runs.append((members, plan))
        plan, members = fresh(k), []
        if plan.add(step):
            members.append(start + k)
        else:  # fits no group: reported as too short, so its op's twin unfuses too
            runs.append(([start + k], plan))
            plan = fresh(k + 1) if k + 1 < len(steps) else plan
    if members:
        runs.append((members, plan))
    return runs


class _Plan:
    """One group being planned: its domain, the phase and local name of every value it
    holds, and the kernel's lines before, in and after the loop."""

    def __init__(self, domain: tuple[int, ...], dtype: np.dtype,
                 slots: tuple[list[Any], list[Any]], forwards: dict[int, Any]) -> None:
        self.domain, self.dtype, self.n = domain, dtype, _size(domain)
        self.arrays, self.shapes = slots  # each slot's array at trace time, (shape, dtype)
        self.forwards = forwards
        self.steps: list[Any] = []
        self.phase: dict[int, int] = {}  # slot -> phase of the local holding it
        self.names: dict[int, str] = {}  # slot -> its local, numbered in order of first use,
        # so that the same chain of ops (in every layer of a model) gives the same text
        self.inputs: list[int] = []  # slots read from outside, in order of first use
        self.defined: set[int] = set()  # slots a step of the group computes
        self.pending: set[int] = set()  # leaf-gradient slots: filled after the kernel
        self.leaf_routes: list[tuple[int, str, int, Any]] = []
        self.writes: list[tuple[int, Any]] = []  # (target slot, tensor whose version bumps)
        self.constants: list[float] = []
        self.before: list[str] = []
        self.loop: list[str] = []
        self.after: list[str] = []
        self.n_sums = 0

    # ------------------------------------------------------------ values
    def phase_of(self, slot: int) -> int | None:
        """Where the value is available in the kernel, or None if the group can't read it."""
        if slot in self.phase:
            return self.phase[slot]
        entry = self.shapes[slot]
        if slot in self.pending or not _floating(entry, self.dtype) or self._overlaps(slot):
            return None
        return self.place(entry[0])

    def _overlaps(self, slot: int, targets: list[int] | None = None) -> bool:
        """Whether the slot's array shares memory with one the kernel writes in place: the
        loop would read elements already written (NumPy's ufuncs buffer such overlaps)."""
        array = self.arrays[slot]
        return any(t != slot and np.may_share_memory(array, self.arrays[t])
                   for t in (targets if targets is not None else [t for t, _ in self.writes]))

    def read(self, slot: int) -> str:
        if slot not in self.phase:  # an input: loaded before the loop or in it
            phase = self.phase_of(slot)
            self.phase[slot] = phase
            self.inputs.append(slot)
            k = len(self.inputs) - 1
            line = f"{self.name(slot)} = ins[{k}][{'i' if phase == LOOP else 0}]"
            (self.loop if phase == LOOP else self.before).append(line)
        return self.names[slot]

    def name(self, slot: int) -> str:
        if slot not in self.names:
            self.names[slot] = f"v{len(self.names)}"
        return self.names[slot]

    def operand(self, is_slot: bool, value: Any) -> str:
        if is_slot:
            return self.read(value)
        self.constants.append(float(value))
        return f"c{len(self.constants) - 1}"

    def emit(self, phase: int, slot: int, expr: str, comment: str) -> None:
        """``slot = expr`` in ``phase``."""
        self.lines(phase).append(f"{self.name(slot)} = {expr}  # {comment}")
        self.phase[slot] = phase
        self.defined.add(slot)

    def lines(self, phase: int) -> list[str]:
        return (self.before, self.loop, self.after)[phase]

    def total(self, expr: str, comment: str) -> str:
        """A sum over the loop of ``expr``, in float64; returns the name of its total."""
        acc = f"acc{self.n_sums}"
        self.n_sums += 1
        self.before.append(f"{acc} = 0.0")
        self.loop.append(f"{acc} += {expr}  # {comment}")
        return acc

    def finish(self, acc: str, count: int = 1) -> str:
        divided = acc if count == 1 else f"{acc} / {float(count)!r}"
        return f"np.{self.dtype.name}({divided})"

    # ------------------------------------------------------------ steps
    def add(self, step: Any) -> bool:
        """Plan ``step`` into the group if it fits; returns whether it did."""
        if step.kind == "forward":
            fits = self._forward(step)
        elif step.kind == "backward":
            fits = self._backward(step)
        else:
            fits = self._write(step)
        if fits:
            self.steps.append(step)
        return fits

    def _phases(self, slots: list[int]) -> list[int] | None:
        phases = [self.phase_of(s) for s in slots]
        return None if None in phases else phases

    def _forward(self, step: Any) -> bool:
        name = step.fn.__name__
        if step.fn in REDUCTIONS:
            phases = self._phases([step.args[0][1]])
            if phases is None:
                return False
            x = self.read(step.args[0][1])
            if phases[0] == LOOP and self.n > 1:  # over the whole domain
                count = self.n if name == "Mean" else 1
                self.emit(AFTER, step.out, self.finish(self.total(x, name), count), name)
            else:  # over one element: itself
                self.emit(phases[0], step.out, x, name)
            return True
        phases = self._phases([v for s, v in step.args if s])
        where = self.place(self.shapes[step.out][0])
        if phases is None or where is None or (where == LOOP and AFTER in phases):
            return False
        phase = LOOP if where == LOOP else max(phases)
        names = [self.operand(s, v) for s, v in step.args]
        expr = FORMULAS[step.fn][0].format(one="one", zero="zero", **dict(zip("ab", names)))
        self.emit(phase, step.out, expr, name)
        return True

    def place(self, shape: tuple[int, ...]) -> int | None:
        """LOOP for a value of the domain's shape, BEFORE for a size-1 one (in a group
        over more than one element), None for any other."""
        if shape == self.domain or (self.n == 1 and _size(shape) == 1):
            return LOOP
        return BEFORE if _size(shape) == 1 else None

    def _backward(self, step: Any) -> bool:
        forward = self.forwards[id(step.ctx)]
        routes = step.routes
        if forward.fn in REDUCTIONS:
            used, reads = "{g}", [step.grad]
        else:
            formulas = FORMULAS[forward.fn][1]
            used = "".join(formulas[r[0]] for r in routes)
            reads = [step.grad] + [v for letter, (s, v) in zip("ab", forward.args)
                                   if s and "{" + letter + "}" in used]
            if "{y}" in used:
                reads.append(forward.out)
        phases = self._phases(reads)
        if phases is None or self._phases([r[2] for r in routes if r[1] == ADD]) is None:
            return False
        in_loop = LOOP in phases or (forward.fn in REDUCTIONS and self.n > 1 and routes
                                     and self.place(routes[0][3]) == LOOP)
        if in_loop and AFTER in phases:
            return False  # the loop would need a value from after it
        phase = LOOP if in_loop else max(phases)
        names = {"g": self.read(step.grad), "one": "one", "zero": "zero"}
        if forward.fn in REDUCTIONS:
            count = _size(self.shapes[forward.args[0][1]][0]) if forward.fn.__name__ == \
                "Mean" else 1
            formulas = ("{g}" if count == 1 else "{g} / " + self.operand(False, count),)
        else:
            for letter, (is_slot, value) in zip("ab", forward.args):
                if "{" + letter + "}" in used:
                    names[letter] = self.operand(is_slot, value)
            if "{y}" in used:
                names["y"] = self.read(forward.out)
        for index, kind, slot, shape, _dtype, leaf in routes:
            expr = formulas[index].format(**names)
            label = f"{step.name} d{index}"
            to_phase = phase
            if phase == LOOP and self.n > 1 and _size(shape) == 1:  # summed to its shape
                expr, to_phase = self.finish(self.total(expr, label)), AFTER
            if kind == ADD:
                if to_phase != LOOP:  # a one-element total: known before or after the loop
                    to_phase = max(to_phase, self.phase_of(slot))
                expr = f"{self.read(slot)} + {expr}"
            if kind == LEAF:
                raw = f"d{len(self.leaf_routes)}"
                self.lines(to_phase).append(f"{raw} = {expr}  # {label} (into .grad)")
                self.leaf_routes.append((slot, raw, to_phase, leaf[0]))
                self.pending.add(slot)
            else:
                self.emit(to_phase, slot, expr, label)
        return True

    def _write(self, step: Any) -> bool:
        target = step.target
        if target in self.defined or self.place(self.shapes[target][0]) != LOOP:
            return False
        is_slot, other = step.other
        if is_slot and self._phases([other]) in (None, [AFTER]):
            return False
        readers = self.inputs + ([other] if is_slot else [])
        if self._phases([target]) is None or any(self._overlaps(s, [target]) for s in readers):
            return False
        t = self.read(target)
        o = self.operand(is_slot, other) if is_slot or step.alpha == 1 else \
            self.operand(False, step.alpha * other)
        if is_slot and step.alpha != 1:
            o = f"{self.operand(False, step.alpha)} * {o}"
        expr = WRITES[step.ufunc].format(t=t, o=o)
        k = self.inputs.index(target)
        self.loop.append(f"{t} = {expr}  # {step.op}")
        self.loop.append(f"ins[{k}][i] = {t}")
        self.writes.append((target, step.tensor))
        return True


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
