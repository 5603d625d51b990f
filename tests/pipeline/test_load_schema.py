"""The stage keys of mlgit.yaml: what each becomes in the Stage, and every schema error named
with file, line, stage and key."""

from __future__ import annotations

from pathlib import Path

from mlgit.pipeline.model import Out, ParamRef
from tests.pipeline.loading import load, refused, stages


def test_every_stage_key_is_read(gitrepo: Path) -> None:
    got = stages(gitrepo, {"mlgit.yaml": """
        stages:
          train:
            cmd:
              - python train.py
              - python export.py
            wdir: src
            deps: [train.py, ../data/prepared/]
            outs:
              - model.pkl
              - logs:
                  persist: true
                  cache: false
                  desc: the logs
                  push: false
                  remote: backup
                  type: model
                  labels: [a, b]
                  meta: {owner: me}
            metrics:
              - metrics.json: {cache: false}
            plots:
              - roc.csv: {x: fpr, y: tpr, template: linear, title: ROC, header: true}
              - loss.csv
            params:
              - lr
              - train.epochs
              - conf/extra.json: [a.b, c]
              - conf/all.toml:
              - conf/empty.yaml: []
            frozen: true
            always_changed: true
            desc: Train it
            meta: {anything: [1, 2]}
        """})
    s = got["train"]
    assert s.cmd == ("python train.py", "python export.py")
    assert s.wdir == "src"
    assert s.deps == ("src/train.py", "data/prepared")
    assert s.outs[0] == Out("src/model.pkl")
    logs = s.outs[1]
    assert (logs.path, logs.cache, logs.persist, logs.desc, logs.push, logs.remote) == (
        "src/logs", False, True, "the logs", False, "backup")
    assert logs.options == {"type": "model", "labels": ["a", "b"], "meta": {"owner": "me"}}
    assert s.outs[2] == Out("src/metrics.json", cache=False, kind="metric")
    assert s.outs[3].kind == "plot" and s.outs[3].options == {
        "x": "fpr", "y": "tpr", "template": "linear", "title": "ROC", "header": True}
    assert s.outs[4] == Out("src/loss.csv", kind="plot")
    assert s.params == (ParamRef("src/params.yaml", ("lr", "train.epochs")),
                        ParamRef("src/conf/extra.json", ("a.b", "c")),
                        ParamRef("src/conf/all.toml", None),
                        ParamRef("src/conf/empty.yaml", None))
    assert (s.frozen, s.always_changed, s.desc) == (True, True, "Train it")
    assert s.meta == {"anything": [1, 2]}


def test_defaults_and_nulls(gitrepo: Path) -> None:
    s = stages(gitrepo, {"mlgit.yaml": """
        stages:
          a:
            cmd: echo
            deps:
            outs:
            desc:
        """})["a"]
    assert (s.wdir, s.deps, s.outs, s.params, s.frozen, s.always_changed, s.desc) == (
        "", (), (), (), False, False, "")


def test_a_whole_params_file_wins_over_keys_of_it(gitrepo: Path) -> None:
    s = stages(gitrepo, {"mlgit.yaml": """
        stages:
          a:
            cmd: echo
            params: [{p.json: [x]}, {p.json: }, {p.json: [y]}]
        """})["a"]
    assert s.params == (ParamRef("p.json", None),)


def test_an_empty_file_has_no_stages(gitrepo: Path) -> None:
    assert load(gitrepo, {"mlgit.yaml": "# nothing yet\n"}).stages == []


def test_top_level_keys_are_kept(gitrepo: Path) -> None:
    pipeline = load(gitrepo, {"sub/mlgit.yaml": """
        vars:
          - name: x
        params: [params.yaml]
        metrics: ["eval/${name}.json"]
        plots:
          - roc.csv: {x: fpr, y: tpr}
          - train_val:
              y: {train.csv: acc, val.csv: acc}
        artifacts:
          model:
            path: model.pkl
            type: model
        datasets:
          - name: d
            url: dvc://x
        """})
    top = pipeline.top_level["sub/mlgit.yaml"]
    assert top["vars"] == [{"name": "x"}]
    assert top["params"] == ["sub/params.yaml"]
    assert top["metrics"] == ["sub/eval/x.json"]
    assert top["plots"][1] == {"train_val": {"y": {"train.csv": "acc", "val.csv": "acc"}}}
    assert top["artifacts"]["model"]["path"] == "model.pkl"
    assert top["datasets"] == [{"name": "d", "url": "dvc://x"}]


ERRORS = [
    # (mlgit.yaml text, what the message must say)
    ("stages:\n  train:\n    deps: [a]\n", "mlgit.yaml:2: stages.train: a stage needs a 'cmd'"),
    ("stages:\n  train:\n    cmd: x\n    dep: [a]\n",
     "mlgit.yaml:4: stages.train.dep: unknown key 'dep' (did you mean 'deps'?)"),
    ("stages:\n  train:\n    cmd: x\n    deps:\n      - a\n      - b\n      - {c: 1}\n",
     "mlgit.yaml:7: stages.train.deps[2]: expected a path, got a mapping"),
    ("stages:\n  t:\n    cmd: x\n    deps: a.txt\n",
     "mlgit.yaml:4: stages.t.deps: expected a list, got 'a.txt'"),
    ("stages:\n  t:\n    cmd: [x, 3]\n", "mlgit.yaml:3: stages.t.cmd[1]: expected a command"),
    ("stages:\n  t:\n    cmd: {a: b}\n", "stages.t.cmd: expected a command or a list"),
    ("stages:\n  t:\n    cmd: ''\n", "stages.t.cmd: the command is empty"),
    ('stages:\n  t:\n    cmd: "echo \\0"\n', "mlgit.yaml:3: stages.t.cmd: the command holds a NUL"),
    ('stages:\n  t:\n    cmd: [a, "b\\0"]\n', "stages.t.cmd[1]: the command holds a NUL"),
    ("stages:\n  t:\n    cmd: x\n    frozen: yes\n",
     "mlgit.yaml:4: stages.t.frozen: expected true or false, got 'yes'"),
    ("stages:\n  t:\n    cmd: x\n    desc: [a]\n", "stages.t.desc: expected a string"),
    ("stages:\n  t:\n    cmd: x\n    outs:\n      - a: {cache: maybe}\n",
     "mlgit.yaml:5: stages.t.outs[0].a.cache: expected true or false, got 'maybe'"),
    ("stages:\n  t:\n    cmd: x\n    outs:\n      - a: {cahce: false}\n",
     "stages.t.outs[0].a.cahce: unknown key 'cahce' (did you mean 'cache'?)"),
    ("stages:\n  t:\n    cmd: x\n    outs:\n      - a: {x: fpr}\n",
     "stages.t.outs[0].a.x: unknown key 'x'"),
    ("stages:\n  t:\n    cmd: x\n    outs:\n      - {a: {}, b: {}}\n",
     "stages.t.outs[0]: expected a path, or a mapping of one path to its options, got several"),
    ("stages:\n  t:\n    cmd: x\n    outs:\n      - a: {checkpoint: true}\n",
     "stages.t.outs[0].a.checkpoint: checkpoint outputs are not supported"),
    ("stages:\n  t:\n    cmd: x\n    params: [3]\n",
     "stages.t.params[0]: expected a key of params.yaml or a mapping"),
    ("stages:\n  t:\n    cmd: x\n    params:\n      - p.json: lr\n",
     "mlgit.yaml:5: stages.t.params[0].p.json: expected a list of keys"),
    ("stages:\n  t:\n    cmd: x\n    wdir: [a]\n", "stages.t.wdir: expected a folder path"),
    ("stages: [a, b]\n", "mlgit.yaml:1: stages: expected a mapping of stage names"),
    ("stages:\n  t: echo hi\n", "mlgit.yaml:2: stages.t: expected a stage"),
    ("stage:\n  t:\n    cmd: x\n",
     "mlgit.yaml:1: stage: unknown key 'stage' (did you mean 'stages'?)"),
    ("- a\n- b\n", "mlgit.yaml: expected a mapping with a 'stages' key"),
    ("metrics: m.json\n", "mlgit.yaml:1: metrics: expected a list"),
    ("artifacts:\n  m:\n    type: model\n", "mlgit.yaml:2: artifacts.m: an artifact needs a"),
]


def test_schema_errors_name_file_line_stage_and_key(gitrepo: Path) -> None:
    for text, expected in ERRORS:
        refused(gitrepo, {"mlgit.yaml": text}, expected)


def test_bad_stage_names(gitrepo: Path) -> None:
    for name, needle in (("a@b", "contains '@'"), ("sub:x", "contains ':'"),
                         ("a/b", "contains '/'"), ('"a\\tb"', "control character"),
                         ("''", "must be a word")):
        refused(gitrepo, {"mlgit.yaml": f"stages:\n  {name}:\n    cmd: x\n"},
                "mlgit.yaml:2: stages.", needle)


def test_paths_outside_the_repository_are_refused(gitrepo: Path) -> None:
    cases = [
        ("deps: [/etc/passwd]", "stages.t.deps[0]: absolute path '/etc/passwd' is not allowed"),
        ("deps: [../../x]", "stages.t.deps[0]: path '../../x' is outside the repository"),
        ("outs: [../../x]", "stages.t.outs[0]: path '../../x' is outside the repository"),
        ("outs: [.git/config]", "stages.t.outs[0]: path '.git/config'"),
        ("outs: [x/../.mlgit/cache]", "stages.t.outs[0]: path 'x/../.mlgit/cache'"),
        ("wdir: ../..", "stages.t.wdir: path '../..' is outside the repository"),
        ("params: [{/abs/p.yaml: [a]}]", "stages.t.params[0]./abs/p.yaml: absolute path"),
        ("deps: ['s3://bucket/data.csv']", "stages.t.deps[0]: 's3://bucket/data.csv' is a URL"),
        ("wdir: ..\n    deps: [x]", None),  # leaves sub/ but stays inside: allowed
    ]
    for line, expected in cases:
        files = {"sub/mlgit.yaml": f"stages:\n  t:\n    cmd: x\n    {line}\n"}
        if expected is None:
            assert stages(gitrepo, files)["sub/mlgit.yaml:t"].deps == ("x",)
        else:
            error = refused(gitrepo, files, "^sub/mlgit.yaml:[34]: " + expected.replace(
                "[", r"\[").replace("]", r"\]").replace(".", r"\.").replace("/", "/"))
            assert error.hint
