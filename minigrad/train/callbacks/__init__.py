"""Callbacks for ``Trainer.fit``: hooks called at the start and end of training, epochs and
batches. See docs/training.md."""

from minigrad.train.callbacks.base import Callback, LambdaCallback, TerminateOnNaN
from minigrad.train.callbacks.csv_logger import CSVLogger
from minigrad.train.callbacks.early_stopping import EarlyStopping
from minigrad.train.callbacks.lr import LearningRateScheduler, ReduceLROnPlateau
from minigrad.train.callbacks.model_checkpoint import ModelCheckpoint

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
