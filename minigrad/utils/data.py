"""``torch.utils.data``: the same objects as ``minigrad.data``, under PyTorch's path, so
``from minigrad.utils.data import DataLoader, Dataset`` works as the PyTorch line does.

>>> from minigrad.utils.data import DataLoader
>>> import minigrad.data
>>> DataLoader is minigrad.data.DataLoader
True
"""

from minigrad.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    DistributedSampler,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    get_worker_info,
    random_split,
)

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "DistributedSampler",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "TensorDataset", "WeightedRandomSampler", "default_collate", "get_worker_info",
           "random_split"]
