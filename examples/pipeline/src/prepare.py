"""Generate a labelled toy data set and split it into train and test CSV files.

A point (x1, x2) is labelled 1 when it falls inside a circle of radius 1, with some points
near the border flipped by noise, so a linear model needs squared features to do well."""

from __future__ import annotations

import argparse
import os
import random

from common import write_csv


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
    for name, part in (("test", rows[:test_count]), ("train", rows[test_count:])):
        write_csv(os.path.join(args.out, f"{name}.csv"), ["x1", "x2", "label"], part)
    print(f"prepare: {len(rows) - test_count} train rows, {test_count} test rows")


if __name__ == "__main__":
    main()
