"""dvc.yaml files written the way DVC's documentation and example projects write them, renamed
to mlgit.yaml: each loads, and its stages are what DVC would make of it."""

from __future__ import annotations

from pathlib import Path

from mlgit.pipeline.model import Out, ParamRef
from tests.pipeline.loading import load, stages


def test_the_get_started_pipeline(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "params.yaml": """
            prepare:
              split: 0.20
              seed: 20170428
            featurize:
              max_features: 100
              ngrams: 1
            train:
              seed: 20170428
              n_est: 50
              min_split: 0.01
            """,
        "mlgit.yaml": """
            stages:
              prepare:
                cmd: python src/prepare.py data/data.xml
                deps:
                - data/data.xml
                - src/prepare.py
                params:
                - prepare.seed
                - prepare.split
                outs:
                - data/prepared
              featurize:
                cmd: python src/featurization.py data/prepared data/features
                deps:
                - data/prepared
                - src/featurization.py
                params:
                - featurize.max_features
                - featurize.ngrams
                outs:
                - data/features
              train:
                cmd: python src/train.py data/features model.pkl
                deps:
                - data/features
                - src/train.py
                params:
                - train.min_split
                - train.n_est
                - train.seed
                outs:
                - model.pkl
              evaluate:
                cmd: python src/evaluate.py model.pkl data/features
                deps:
                - data/features
                - model.pkl
                - src/evaluate.py
                outs:
                - eval/live/plots:
                    cache: false
                - eval/prc:
                    cache: false
                metrics:
                - eval/live/metrics.json:
                    cache: false
            metrics:
            - eval/live/metrics.json
            plots:
            - eval/importance.png
            - ROC:
                template: simple
                x: fpr
                y:
                  eval/live/plots/sklearn/roc/train.json: tpr
                  eval/live/plots/sklearn/roc/test.json: tpr
            - Confusion-Matrix:
                template: confusion
                x: actual
                y:
                  eval/live/plots/sklearn/cm/train.json: predicted
                  eval/live/plots/sklearn/cm/test.json: predicted
            """})
    assert list(got) == ["prepare", "featurize", "train", "evaluate"]
    assert got["train"].params == (ParamRef("params.yaml",
                                            ("train.min_split", "train.n_est", "train.seed")),)
    assert got["evaluate"].outs == (Out("eval/live/plots", cache=False),
                                    Out("eval/prc", cache=False),
                                    Out("eval/live/metrics.json", cache=False, kind="metric"))


def test_templated_stages_with_vars_files_and_dict_unpacking(gitrepo: Path) -> None:
    pipeline = load(gitrepo, {
        "params.yaml": """
            models:
              us:
                threshold: 10
                filename: model-us.hdf5
            mydict:
              foo: foo
              bar: 1
              bool: true
              nested:
                baz: bar
              list: [2, 3, qux]
            """,
        "params.json": '{"clean": {"filename": "clean.csv"},'
                       ' "feats": {"exec": "featurize.py", "dirname": "feats"}, "x": 1}',
        "mlgit.yaml": """
            vars:
              - params.json:clean,feats
              - desc: Reusable description
            stages:
              build-us:
                desc: ${desc}
                cmd: >-
                  python train.py
                  --thresh ${models.us.threshold}
                  --out ${models.us.filename}
                outs:
                  - ${models.us.filename}:
                      cache: true
              featurize:
                cmd: ${feats.exec}
                deps:
                  - ${clean.filename}
                outs:
                  - ${feats.dirname}
              train:
                cmd: R train.r ${mydict}
            """})
    got = {s.name: s for s in pipeline.stages}
    assert got["build-us"].cmd == ("python train.py --thresh 10 --out model-us.hdf5",)
    assert got["build-us"].desc == "Reusable description"
    assert got["build-us"].outs == (Out("model-us.hdf5"),)
    assert (got["featurize"].cmd, got["featurize"].deps, got["featurize"].outs[0].path) == (
        ("featurize.py",), ("clean.csv",), "feats")
    assert got["train"].cmd == ("R train.r --foo foo --bar 1 --bool --nested.baz bar"
                                " --list 2 3 qux",)


def test_foreach_groups_params_groups_and_plots_with_options(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "params.yaml": """
            datasets:
              train: {path: data/train.csv, rows: 1000}
              test: {path: data/test.csv, rows: 200}
            """,
        "mlgit.yaml": """
            stages:
              cleanups:
                foreach:
                  - raw1
                  - labels1
                  - raw2
                do:
                  cmd: clean.py "${item}"
                  outs:
                    - ${item}.cln
              process:
                foreach: ${datasets}
                do:
                  cmd: python process.py ${item.path} --rows ${item.rows}
                  deps: [process.py, "${item.path}"]
                  params:
                    - datasets.${key}.rows
                    - config/${key}.yaml:
                      - window
                      - stride
                  outs: ["processed/${key}"]
                  plots:
                    - plots/${key}.csv:
                        x: step
                        y: loss
                        title: Loss on ${key}
                        cache: false
            """})
    assert [n for n in got if n.startswith("cleanups")] == [
        "cleanups@raw1", "cleanups@labels1", "cleanups@raw2"]
    test = got["process@test"]
    assert test.cmd == ("python process.py data/test.csv --rows 200",)
    assert test.deps == ("process.py", "data/test.csv")
    assert test.params == (ParamRef("params.yaml", ("datasets.test.rows",)),
                           ParamRef("config/test.yaml", ("window", "stride")))
    plot = test.outs[1]
    assert (plot.path, plot.kind, plot.cache) == ("plots/test.csv", "plot", False)
    assert plot.options == {"x": "step", "y": "loss", "title": "Loss on test"}


def test_matrix_and_wdir(gitrepo: Path) -> None:
    got = stages(gitrepo, {
        "experiments/params.yaml": "features: [f1, f2]\n",
        "experiments/mlgit.yaml": """
            stages:
              train:
                matrix:
                  model: [cnn, xgb]
                  feature: ${features}
                wdir: ../src
                cmd: ./train.sh ${item.model} ${item.feature}
                deps: [train.sh, "../data/${item.feature}"]
                outs:
                  - ${item.model}-${item.feature}.pkl
                params:
                  - ../experiments/params.yaml:
            """})
    assert list(got) == [f"experiments/mlgit.yaml:train@{m}-{f}"
                         for m in ("cnn", "xgb") for f in ("f1", "f2")]
    s = got["experiments/mlgit.yaml:train@xgb-f2"]
    assert (s.wdir, s.cmd, s.deps) == ("src", ("./train.sh xgb f2",),
                                       ("src/train.sh", "data/f2"))
    assert s.outs[0].path == "src/xgb-f2.pkl"
    assert s.params == (ParamRef("experiments/params.yaml", None),)
