"""What the stages share: CSV files in and out, and scoring a row with the model."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from typing import Any


def write_csv(path: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV file with a header line, making its folder first."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def read_features(path: str) -> tuple[list[str], list[list[float]], list[int]]:
    """The feature names, the rows of features and the labels of a featurize output."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [[float(v) for v in line] for line in reader]
    return header[:-1], [r[:-1] for r in rows], [int(r[-1]) for r in rows]


def sigmoid(z: float) -> float:
    if z < 0:
        e = math.exp(z)
        return e / (1 + e)
    return 1 / (1 + math.exp(-z))


def score(model: dict[str, Any], row: list[float]) -> float:
    """The probability that `row` has label 1, its features standardised as in training."""
    z = model["bias"]
    for x, m, s, w in zip(row, model["mean"], model["std"], model["weights"], strict=True):
        z += w * (x - m) / s
    return sigmoid(z)
