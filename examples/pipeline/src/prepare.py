"""Generate a labelled toy data set and split it into train and test CSV files.

A point (x1, x2) is labelled 1 when it falls inside a circle of radius 1, with some points
near the border flipped by noise, so a linear model needs squared features to do well."""

from __future__ import annotations

import argparse
import csv
import os
import random


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--samples", type=int, required=True)
    p.add_argument("--test-fraction", type=float, required=True)
    p.add_argument("--noise", type=float, required=True)
    p.add_argument("--out", default="data/prepared")
    args = p.parse_args()

    rng = random.Random(args.seed)
    rows = []
    for _ in range(args.samples):
        x1, x2 = rng.uniform(-2, 2), rng.uniform(-2, 2)
        radius = (x1 * x1 + x2 * x2) ** 0.5 + rng.gauss(0, args.noise)
        rows.append((round(x1, 6), round(x2, 6), int(radius < 1.2)))
    test_count = round(len(rows) * args.test_fraction)
    os.makedirs(args.out, exist_ok=True)
    for name, part in (("test", rows[:test_count]), ("train", rows[test_count:])):
        with open(os.path.join(args.out, f"{name}.csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["x1", "x2", "label"])
            writer.writerows(part)
    print(f"prepare: {len(rows) - test_count} train rows, {test_count} test rows")


if __name__ == "__main__":
    main()
