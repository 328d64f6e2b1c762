"""Datasets, loaders, splits, preprocessing, tokenizers and synthetic data.

Names follow ``torch.utils.data`` for datasets and loading, scikit-learn for
preprocessing and synthetic data sets.
"""

from minigrad.data.arithmetic import ArithmeticTask
from minigrad.data.collate import default_collate
from minigrad.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from minigrad.data.digits import load_digits
from minigrad.data.distributed import DistributedSampler
from minigrad.data.iterable import IterableDataset, get_worker_info
from minigrad.data.loader import DataLoader
from minigrad.data.preprocessing import MinMaxScaler, NotFittedError, StandardScaler
from minigrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    WeightedRandomSampler,
)
from minigrad.data.split import train_test_split
from minigrad.data.synthetic import (
    make_blobs,
    make_linear,
    make_moons,
    make_regression,
    make_spirals,
)
from minigrad.data.text import CharTokenizer
from minigrad.data.wordpiece import WordPieceTokenizer

__all__ = [
    "load_digits",
    "ArithmeticTask",
    "BatchSampler",
    "CharTokenizer",
    "ConcatDataset",
    "DataLoader",
    "DistributedSampler",
    "Dataset",
    "IterableDataset",
    "MinMaxScaler",
    "NotFittedError",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StandardScaler",
    "Subset",
    "TensorDataset",
    "WeightedRandomSampler",
    "WordPieceTokenizer",
    "default_collate",
    "get_worker_info",
    "make_blobs",
    "make_linear",
    "make_moons",
    "make_regression",
    "make_spirals",
    "random_split",
    "train_test_split",
]
