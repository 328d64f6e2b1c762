"""``Trainer``: a Keras-style ``fit`` / ``evaluate`` / ``predict`` over minigrad models.

>>> import minigrad as mg
>>> from minigrad import nn, optim
>>> _ = mg.manual_seed(0)
>>> X = mg.randn(64, 3)
>>> y = X @ mg.tensor([[1.0], [-2.0], [0.5]])
>>> model = nn.Linear(3, 1)
>>> trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), batch_size=16)
>>> history = trainer.fit((X, y), epochs=20, verbose=0)
>>> history["loss"][-1] < 1e-3
True
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable
from typing import Any

from minigrad import random as mgrandom
from minigrad._tensor import Tensor
from minigrad.autograd import no_grad
from minigrad.nn.utils import clip_grad_norm_
from minigrad.train.batches import (
    batch_size_of,
    concat_outputs,
    first_output,
    inputs_of,
    loader_length,
    make_loader,
    split_batch,
)
from minigrad.train.callbacks import Callback
from minigrad.train.checkpoint import load_trainer, save_trainer
from minigrad.train.distributed import distributed_training
from minigrad.train.history import History
from minigrad.train.metrics import Mean
from minigrad.train.progress import ProgressBar
from minigrad.train.scheduling import resolve_scheduler_interval, step_per_epoch
from minigrad.utils import tune_malloc

StepFn = Callable[["Trainer", Any], Any]


def _refuse_class(value: Any, what: str, example: str) -> None:
    """A class where an instance belongs (``nn.MSELoss`` for ``nn.MSELoss()``) is the
    commonest slip in a Trainer call: name it and show the fix."""
    if isinstance(value, type):
        raise TypeError(f"Trainer: {what} is the class {value.__name__}, not an instance of it; "
                        f"create one, e.g. {example.format(name=value.__name__)}")


def _check_metrics(metrics: Any) -> list[Any]:
    metrics = list(metrics or [])
    for m in metrics:
        _refuse_class(m, "a metric", "metrics=[{name}()]")
        if not all(callable(getattr(m, attr, None)) for attr in ("update", "compute", "reset")):
            raise TypeError(f"Trainer: metrics must have update/compute/reset (e.g. "
                            f"minigrad.train.Accuracy()), got {type(m).__name__}")
    names = [m.name for m in metrics]
    clashes = sorted({n for n in names if names.count(n) > 1 or n == "loss"})
    if clashes:
        raise ValueError(f"Trainer: metric names must be unique and not 'loss', got {names}; "
                         "pass name= to tell them apart")
    return metrics


def _check_loss(loss: Any, where: str, training: bool) -> Tensor:
    if not isinstance(loss, Tensor):
        raise TypeError(f"{where}: the loss must be a Tensor, got {type(loss).__name__}")
    if loss.numel() != 1:
        raise ValueError(f"{where}: the loss must be a scalar, got shape {loss.shape}")
    if training and not loss.requires_grad:
        raise RuntimeError(f"{where}: the loss does not require grad (every parameter frozen, "
                           "or computed under no_grad?)")
    return loss


class Trainer:
    """Trains ``model`` with ``optimizer`` to minimise ``loss_fn(model(x), y)``.

    - ``metrics``: Metric objects (``Accuracy()``, ``R2Score()``, ...); the
      Trainer keeps separate copies for training and validation.
    - ``callbacks``: ``Callback`` objects (``EarlyStopping``, ``ModelCheckpoint``...).
    - ``scheduler``: an lr scheduler, stepped per batch or per epoch (see
      :func:`resolve_scheduler_interval`); ReduceLROnPlateau gets ``val_loss``
      (or ``loss`` without validation data).
    - ``grad_clip``: clip the gradients' joint L2 norm to this before each step.
    - ``accumulate_steps``: sum gradients over k batches per optimizer step
      (each loss scaled by 1/k; a last, shorter group by 1/its length).
    - ``batch_size``: used when data is given as ``(X, y)`` arrays.
    - ``step_fn(trainer, batch)``: returns the loss (or ``(loss, outputs,
      targets)`` to feed the metrics) for batches that are not ``(x, y)``.
    - ``generator``: the ``mg.Generator`` that shuffles ``(X, y)`` data; by
      default seeded from minigrad's default generator.
    - ``distributed``: train data-parallel on the ranks of the MPI process group
      (None: when a process group of more than one rank is initialized); see
      docs/distributed.md.
    - ``compile``: record each batch's forward and backward once per batch shape
      with ``mg.compile`` and replay it after (docs/compile.md); the optimizer
      step, clipping and scheduler run as they are.

    Epochs and batches are numbered from 1. ``epoch`` is the number of epochs
    completed, ``current_epoch`` the one running, ``global_step`` the
    optimizer steps taken; a callback may set ``stop_training = True``.
    """

    def __init__(self, model: Any, loss_fn: Callable[[Any, Any], Tensor] | None,
                 optimizer: Any, metrics: list[Any] | None = None,
                 callbacks: list[Callback] | None = None, scheduler: Any = None,
                 grad_clip: float | None = None, accumulate_steps: int = 1,
                 batch_size: int = 32, step_fn: StepFn | None = None,
                 scheduler_interval: str | None = None,
                 generator: mgrandom.Generator | None = None,
                 distributed: bool | None = None, compile: bool = False) -> None:
        _refuse_class(model, "model", "{name}(...)")
        _refuse_class(loss_fn, "loss_fn", "{name}()")
        _refuse_class(optimizer, "optimizer", "{name}(model.parameters(), lr=1e-3)")
        _refuse_class(scheduler, "scheduler", "{name}(optimizer, ...)")
        if optimizer is not None and not all(callable(getattr(optimizer, attr, None))
                                             for attr in ("step", "zero_grad")):
            raise TypeError(f"Trainer: optimizer must have step() and zero_grad() (e.g. "
                            f"optim.AdamW(model.parameters())), got {type(optimizer).__name__}")
        if loss_fn is None and step_fn is None:
            raise TypeError("Trainer: give a loss_fn, or a step_fn that computes the loss")
        for name, fn in (("loss_fn", loss_fn), ("step_fn", step_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"Trainer: {name} must be callable, got {type(fn).__name__}")
        if not isinstance(accumulate_steps, int) or accumulate_steps < 1:
            raise ValueError(f"Trainer: accumulate_steps must be an int >= 1, "
                             f"got {accumulate_steps!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"Trainer: batch_size must be an int >= 1, got {batch_size!r}")
        if grad_clip is not None and not (isinstance(grad_clip, (int, float)) and grad_clip > 0):
            raise ValueError(f"Trainer: grad_clip must be a positive number, got {grad_clip!r}")
        callbacks = list(callbacks or [])
        for cb in callbacks:
            _refuse_class(cb, "a callback", "callbacks=[{name}()]")
            if not isinstance(cb, Callback):
                raise TypeError(f"Trainer: callbacks must be Callback instances, "
                                f"got {type(cb).__name__}")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.metrics = _check_metrics(metrics)
        self.callbacks = callbacks
        self.scheduler = scheduler
        self.scheduler_interval = resolve_scheduler_interval(scheduler, scheduler_interval)
        self.grad_clip = None if grad_clip is None else float(grad_clip)
        self.accumulate_steps, self.batch_size, self.step_fn = accumulate_steps, batch_size, step_fn
        self.compile = bool(compile)
        self._compiled_step: Any = None  # mg.compile(self._forward_backward), made on first use
        if generator is None:
            generator = mgrandom.Generator(int(mgrandom.rng().integers(2**63)))
        self.generator = generator
        self.history = History()
        self.epoch = 0
        self.current_epoch = 0
        self.global_step = 0
        self.stop_training = False
        self._train_metrics = [copy.deepcopy(m) for m in self.metrics]
        self._val_metrics = [copy.deepcopy(m) for m in self.metrics]
        self._ordered = ([cb for cb in callbacks if not cb.runs_last]
                         + [cb for cb in callbacks if cb.runs_last])
        self._in_epoch = False
        self._train_loader: Any = None
        self._pending_loader_state: dict[str, Any] | None = None
        self._dist = distributed_training(distributed, model, self.metrics)
        if self._dist is not None:
            self._ordered = self._dist.callbacks(self._ordered)

    # ------------------------------------------------------------------ fit
    def fit(self, train_data: Any, epochs: int, val_data: Any = None, verbose: int = 1,
            resume_from: str | None = None, shuffle: bool = True) -> History:
        """Train until ``epochs`` epochs are completed in total; returns ``self.history``.

        ``train_data``/``val_data``: a DataLoader or an ``(X, y)`` pair
        (batched by ``batch_size``; training data shuffled when ``shuffle``).
        ``resume_from``: a ``save_checkpoint`` file to continue from exactly;
        training then runs from its epoch up to ``epochs``.

        Calls ``minigrad.utils.tune_malloc()`` first (a process-wide allocator
        setting that makes training steps faster; ``MINIGRAD_MALLOC_TUNING=0``
        turns it off).
        """
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 0:
            raise ValueError(f"Trainer.fit: epochs must be an int >= 0, got {epochs!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Trainer.fit: verbose must be 0, 1 or 2, got {verbose!r}")
        if self.optimizer is None:
            raise TypeError("Trainer.fit: the Trainer has no optimizer")
        train_loader = make_loader(train_data, self.batch_size, shuffle, self.generator,
                                   "Trainer.fit(train_data)")
        tune_malloc()
        val_loader = None
        if val_data is not None:
            val_loader = make_loader(val_data, self.batch_size, False, None,
                                     "Trainer.fit(val_data)")
        if self._dist is not None:
            verbose = self._dist.verbose(verbose)
            if val_loader is not None:
                val_loader = self._dist.shard_eval(val_data, val_loader)
        self._train_loader = train_loader
        self._in_epoch = False
        self.stop_training = False
        self._call("on_train_begin", {})
        if resume_from is not None:
            self.load_checkpoint(resume_from)
            if self.epoch > epochs:
                raise ValueError(
                    f"Trainer.fit: the checkpoint {resume_from!r} has already completed "
                    f"{self.epoch} epochs, more than epochs={epochs}; epochs is the total to "
                    f"reach, not a number of further epochs (epochs={self.epoch + epochs} "
                    f"trains {epochs} more)")
        if self.epoch >= epochs > 0:
            warnings.warn(f"Trainer.fit: {self.epoch} epochs are already completed and epochs="
                          f"{epochs} is the total to reach; nothing to train", stacklevel=2)
        if self._dist is not None:
            train_loader = self._dist.shard_train(train_data, train_loader, shuffle,
                                                  self.generator)
            self._train_loader = train_loader
        self._restore_loader(train_loader)
        logs: dict[str, float] = {}
        while self.epoch < epochs and not self.stop_training:
            logs = self._run_epoch(train_loader, val_loader, epochs, verbose)
        self._call("on_train_end", logs)
        return self.history

    def _run_epoch(self, train_loader: Any, val_loader: Any, epochs: int,
                   verbose: int) -> dict[str, float]:
        epoch = self.current_epoch = self.epoch + 1
        self._in_epoch = True
        self._call("on_epoch_begin", epoch, {})
        if self._dist is not None:
            self._dist.set_epoch(train_loader, epoch)
        start = time.monotonic()
        lr = self.optimizer.param_groups[0]["lr"]
        bar = ProgressBar(loader_length(train_loader), desc=f"epoch {epoch}/{epochs}",
                          verbose=verbose)
        logs = self._train_epoch(train_loader, bar)
        if val_loader is not None:
            val = self._evaluate_loader(val_loader, self._val_metrics, "Trainer.fit(val_data)")
            logs.update({"val_" + key: value for key, value in val.items()})
        logs["lr"] = lr
        if self.scheduler_interval == "epoch":
            step_per_epoch(self.scheduler, logs)
        logs["time"] = time.monotonic() - start
        bar.close(**{key: value for key, value in logs.items() if key != "time"})
        self.epoch = epoch
        self._in_epoch = False
        self.history.append(epoch, logs)
        self._call("on_epoch_end", epoch, logs)
        return logs

    def _train_epoch(self, loader: Any, bar: ProgressBar) -> dict[str, float]:
        self.model.train()
        loss_mean = Mean("loss")
        for metric in self._train_metrics:
            metric.reset()
        n_batches = loader_length(loader)
        self.optimizer.zero_grad()
        waiting = 0  # batches whose gradients wait for an optimizer step
        for i, batch in enumerate(loader, start=1):
            self._call("on_batch_begin", i, {})
            group = self._group_size(i, n_batches)
            loss, size = self._train_step(batch, group)
            waiting += 1
            if waiting == group:
                self._optimizer_step()
                waiting = 0
            loss_mean.update(loss, weight=size)
            bar.update(1, loss=loss_mean.compute())
            self._call("on_batch_end", i, {"loss": loss, "size": size})
            if self._dist is not None:  # every rank must leave the loop at the same batch
                self.stop_training = self._dist.any(self.stop_training)
            if self.stop_training:
                break
        if loss_mean.weight == 0:
            raise ValueError("Trainer.fit: train_data yielded no batches")
        if waiting and not self.stop_training:
            self._optimizer_step()  # a loader of unknown length left a partial group
        self.optimizer.zero_grad()  # drop a partial group abandoned by stop_training
        return self._logs(loss_mean, self._train_metrics)

    def _logs(self, loss_mean: Mean, metrics: list[Any]) -> dict[str, float]:
        """The loss and metrics (over every rank's samples when distributed)."""
        if self._dist is not None:
            self._dist.sum_states([loss_mean, *metrics])
        logs = {"loss": loss_mean.compute()}
        logs.update({metric.name: metric.compute() for metric in metrics})
        return logs

    def _group_size(self, i: int, n_batches: int | None) -> int:
        """Length of the accumulation group that batch ``i`` belongs to."""
        k = self.accumulate_steps
        if n_batches is None or k == 1:
            return k
        full = (n_batches // k) * k
        return k if i <= full else n_batches - full

    def _train_step(self, batch: Any, group: int) -> tuple[float, int]:
        """Forward and backward of one batch; returns (its loss, its sample count)."""
        if self.compile:
            if self._compiled_step is None:
                from minigrad.compile import compile as compile_step

                self._compiled_step = compile_step(self._forward_backward)
            loss, pred, target = self._compiled_step(batch, group)
        else:
            loss, pred, target = self._forward_backward(batch, group)
        if pred is not None:
            for metric in self._train_metrics:
                metric.update(pred, target)
        return loss.item(), batch_size_of(batch)

    def _forward_backward(self, batch: Any, group: int) -> tuple[Tensor, Any, Any]:
        """(loss, prediction or None, targets) of a batch, after its backward: the part of
        a training step ``compile=True`` records and replays (the optimizer step, gradient
        clipping and the scheduler run as they are)."""
        loss, out, target = self._forward(batch, "Trainer.fit", training=True)
        scaled = loss / group if group > 1 else loss
        scaled.backward()
        pred = None if out is None else first_output(out).detach()
        return loss.detach(), pred, target

    def _forward(self, batch: Any, where: str, training: bool) -> tuple[Tensor, Any, Any]:
        """(loss, outputs or None, targets) of a batch, by step_fn or the default step."""
        if self.step_fn is None:
            x, target = split_batch(batch, where)
            out = self.model(x)
            loss = self.loss_fn(out, target)
        else:
            result = self.step_fn(self, batch)
            out = target = None
            if isinstance(result, tuple):
                if len(result) != 3:
                    raise ValueError(f"{where}: step_fn must return the loss or "
                                     f"(loss, outputs, targets), got a tuple of {len(result)}")
                loss, out, target = result
            else:
                loss = result
        return _check_loss(loss, where, training), out, target

    def _optimizer_step(self) -> None:
        if self._dist is not None:
            self._dist.average_gradients()
        if self.grad_clip is not None:
            params = [p for group in self.optimizer.param_groups for p in group["params"]]
            clip_grad_norm_(params, self.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad()
        self.global_step += 1
        if self.scheduler_interval == "batch":
            self.scheduler.step()

    def _call(self, hook: str, *args: Any) -> None:
        for callback in self._ordered:
            getattr(callback, hook)(self, *args)

    def _restore_loader(self, loader: Any) -> None:
        state, self._pending_loader_state = self._pending_loader_state, None
        if state is not None and hasattr(loader, "load_state_dict"):
            loader.load_state_dict(state)

    # ------------------------------------------------------- evaluate / predict
    def evaluate(self, data: Any) -> dict[str, float]:
        """``{"loss": ..., <metric>: ...}`` over ``data`` (a DataLoader or ``(X, y)``)."""
        loader = make_loader(data, self.batch_size, False, None, "Trainer.evaluate")
        if self._dist is not None:
            loader = self._dist.shard_eval(data, loader)
        metrics = [copy.deepcopy(m) for m in self.metrics]
        return self._evaluate_loader(loader, metrics, "Trainer.evaluate")

    def _evaluate_loader(self, loader: Any, metrics: list[Any], where: str) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        loss_mean = Mean("loss")
        for metric in metrics:
            metric.reset()
        try:
            with no_grad():
                for batch in loader:
                    loss, out, target = self._forward(batch, where, training=False)
                    loss_mean.update(loss.item(), weight=batch_size_of(batch))
                    if out is not None:
                        pred = first_output(out)
                        for metric in metrics:
                            metric.update(pred, target)
        finally:
            self.model.train(was_training)
        if loss_mean.weight == 0:
            raise ValueError(f"{where}: the data yielded no batches")
        return self._logs(loss_mean, metrics)

    def predict(self, data: Any) -> Tensor:
        """The model's outputs over ``data``, concatenated along dimension 0.

        ``data``: inputs ``X`` (array or Tensor, batched by ``batch_size``), an
        ``(X, y)`` pair, or a loader yielding ``(x, y)``, ``(x,)`` or ``x``.
        Runs in eval mode without building a graph; a tuple output (e.g.
        ``(logits, loss)``) contributes its first element.
        """
        loader = make_loader(data, self.batch_size, False, None, "Trainer.predict")
        was_training = self.model.training
        self.model.eval()
        try:
            with no_grad():
                outputs = [first_output(self.model(inputs_of(batch))) for batch in loader]
        finally:
            self.model.train(was_training)
        return concat_outputs(outputs)

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str) -> None:
        """Write the whole training state to ``path`` (safetensors, atomic; see checkpoint.py).
        When distributed, only rank 0 writes."""
        if self._dist is None or self._dist.is_main:
            save_trainer(self, path)

    def load_checkpoint(self, path: str) -> None:
        """Restore a ``save_checkpoint`` file into this Trainer (same model/optimizer/callbacks).
        When distributed, every rank reads the file rank 0 wrote."""
        if self._dist is not None:
            self._dist.barrier()
        load_trainer(self, path)
