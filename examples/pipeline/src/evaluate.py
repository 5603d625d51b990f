"""Score the test features with the trained model: metrics as JSON, the ROC curve as CSV."""

from __future__ import annotations

import argparse
import itertools
import json
import math

from common import read_features, score, write_csv


def roc_points(probs: list[float], labels: list[int]) -> list[tuple[float, float, float]]:
    """(false positive rate, true positive rate, threshold), from the highest threshold down."""
    positives = sum(labels) or 1
    negatives = (len(labels) - sum(labels)) or 1
    points = [(0.0, 0.0, 1.0)]
    tp = fp = 0
    for p, y in sorted(zip(probs, labels, strict=True), reverse=True):
        tp += y
        fp += 1 - y
        points.append((round(fp / negatives, 6), round(tp / positives, 6), round(p, 6)))
    return points


def area(points: list[tuple[float, float, float]]) -> float:
    return sum((x1 - x0) * (y0 + y1) / 2
               for (x0, y0, _), (x1, y1, _) in itertools.pairwise(points))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model")
    p.add_argument("features")
    p.add_argument("--threshold", type=float, required=True)
    p.add_argument("--metrics", default="eval/metrics.json")
    p.add_argument("--roc", default="eval/plots/roc.csv")
    args = p.parse_args()

    with open(args.model) as f:
        model = json.load(f)
    _names, rows, labels = read_features(args.features)
    probs = [score(model, row) for row in rows]
    predicted = [int(q >= args.threshold) for q in probs]
    tp = sum(1 for y, h in zip(labels, predicted, strict=True) if y == h == 1)
    fp = sum(1 for y, h in zip(labels, predicted, strict=True) if (y, h) == (0, 1))
    fn = sum(1 for y, h in zip(labels, predicted, strict=True) if (y, h) == (1, 0))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    eps = 1e-12
    loss = -sum(y * math.log(max(q, eps)) + (1 - y) * math.log(max(1 - q, eps))
                for q, y in zip(probs, labels, strict=True)) / len(rows)
    points = roc_points(probs, labels)
    metrics = {
        "test": {
            "accuracy": round(sum(y == h for y, h in zip(labels, predicted, strict=True))
                              / len(rows), 4),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall), 4)
            if precision + recall else 0.0,
            "log_loss": round(loss, 4),
            "roc_auc": round(area(points), 4),
        },
        "rows": len(rows),
    }
    write_csv(args.roc, ["fpr", "tpr", "threshold"], points)
    with open(args.metrics, "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"evaluate: {json.dumps(metrics['test'], sort_keys=True)}")


if __name__ == "__main__":
    main()
