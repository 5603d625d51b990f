"""Fit a logistic regression to the training features by batch gradient descent.

Writes the model (feature names, standardisation, weights) as JSON and the loss per epoch
as CSV (a plot)."""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from typing import Any

from common import read_features, score, sigmoid, write_csv


def standardise(rows: list[list[float]]) -> tuple[list[float], list[float]]:
    columns = list(zip(*rows, strict=True))
    mean = [statistics.fmean(c) for c in columns]
    std = [statistics.pstdev(c) or 1.0 for c in columns]
    return mean, std


def log_loss(model: dict[str, Any], rows: list[list[float]], labels: list[int]) -> float:
    eps = 1e-12
    total = 0.0
    for row, y in zip(rows, labels, strict=True):
        p = min(max(score(model, row), eps), 1 - eps)
        total -= y * math.log(p) + (1 - y) * math.log(1 - p)
    return total / len(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("features")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--epochs", type=int, required=True)
    p.add_argument("--l2", type=float, required=True)
    p.add_argument("--model", default="model/model.json")
    p.add_argument("--log", default="model/train_log.csv")
    args = p.parse_args()

    names, rows, labels = read_features(args.features)
    mean, std = standardise(rows)
    rng = random.Random(args.seed)
    model: dict[str, Any] = {
        "features": names, "mean": mean, "std": std, "bias": 0.0,
        "weights": [rng.gauss(0, 0.01) for _ in names],
    }
    scaled = [[(x - m) / s for x, m, s in zip(r, mean, std, strict=True)] for r in rows]
    history = []
    for epoch in range(1, args.epochs + 1):
        weights, bias = model["weights"], model["bias"]
        grad_w = [args.l2 * w for w in weights]
        grad_b = 0.0
        for x, y in zip(scaled, labels, strict=True):
            z = bias + sum(w * xj for w, xj in zip(weights, x, strict=True))
            err = (sigmoid(z) - y) / len(rows)
            grad_b += err
            for j, xj in enumerate(x):
                grad_w[j] += err * xj
        model["weights"] = [w - args.lr * g for w, g in zip(weights, grad_w, strict=True)]
        model["bias"] = bias - args.lr * grad_b
        if epoch == 1 or epoch % 10 == 0:
            history.append((epoch, round(log_loss(model, rows, labels), 6)))

    write_csv(args.log, ["epoch", "loss"], history)
    with open(args.model, "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    print(f"train: {len(rows)} rows, {args.epochs} epochs, final loss {history[-1][1]}")


if __name__ == "__main__":
    main()
