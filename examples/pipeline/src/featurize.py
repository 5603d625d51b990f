"""Expand the raw columns of one split into polynomial features up to a degree."""

from __future__ import annotations

import argparse
import csv
import itertools
import math

from common import write_csv


def feature_names(columns: list[str], degree: int) -> list[tuple[str, ...]]:
    """Every product of 1..degree columns (with repeats), e.g. x1, x2, x1*x1, x1*x2, x2*x2."""
    return [combo for d in range(1, degree + 1)
            for combo in itertools.combinations_with_replacement(columns, d)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("source")
    p.add_argument("target")
    p.add_argument("--degree", type=int, required=True)
    args = p.parse_args()

    with open(args.source, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = ["x1", "x2"]
    names = feature_names(columns, args.degree)
    write_csv(args.target, ["*".join(n) for n in names] + ["label"],
              ([round(math.prod(float(row[c]) for c in combo), 6) for combo in names]
               + [row["label"]] for row in rows))
    print(f"featurize: {len(rows)} rows, {len(names)} features -> {args.target}")


if __name__ == "__main__":
    main()
