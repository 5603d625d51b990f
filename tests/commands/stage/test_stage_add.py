"""mlgit stage add: writes a stage into the mlgit.yaml of the current folder, keeps the rest
of the file, refuses what it must."""

from __future__ import annotations

import json
from pathlib import Path

from mlgit.pipeline.load import load_pipeline
from mlgit.pipeline.model import Out, ParamRef
from tests.conftest import assert_clean_error, mlgit, write


def test_add_writes_every_kind_of_path(repo: Path) -> None:
    run = mlgit(repo, "stage", "add", "train", "--cmd", "python train.py", "-c",
                "python export.py", "-d", "train.py", "-d", "data", "-o", "model.pkl",
                "-O", "logs", "-p", "lr,epochs", "-p", "conf.json:a,b", "-p", "all.toml:",
                "-m", "metrics.json", "-M", "summary.json", "--plots", "roc.csv",
                "--desc", "Train it")
    assert "Added stage 'train' in mlgit.yaml" in run.out
    assert "git add mlgit.yaml" in run.out
    stage = load_pipeline(str(repo)).stages[0]
    assert stage.cmd == ("python train.py", "python export.py")
    assert stage.deps == ("train.py", "data")
    assert stage.outs == (Out("model.pkl"), Out("logs", cache=False),
                          Out("metrics.json", kind="metric"),
                          Out("summary.json", cache=False, kind="metric"),
                          Out("roc.csv", kind="plot"))
    assert stage.params == (ParamRef("params.yaml", ("lr", "epochs")),
                            ParamRef("conf.json", ("a", "b")), ParamRef("all.toml", None))
    assert stage.desc == "Train it"


def test_add_in_a_subfolder_with_wdir(repo: Path) -> None:
    (repo / "models").mkdir()
    run = mlgit(repo / "models", "stage", "add", "fit", "--cmd", "make", "-w", "..",
                "-d", "src", "-o", "models/m.pkl", "--json")
    assert json.loads(run.out)["address"] == "models/mlgit.yaml:fit"
    stage = load_pipeline(str(repo)).stages[0]
    assert (stage.file, stage.wdir, stage.deps, stage.outs[0].path) == (
        "models/mlgit.yaml", "", ("src",), "models/m.pkl")


def test_add_keeps_the_rest_of_the_file(repo: Path) -> None:
    original = ("# the project's pipeline\n"
                "vars:\n  - data: data   # where data lives\n"
                "stages:\n"
                "    prepare:  # first\n"
                "        cmd: python prepare.py ${data}\n"
                "        outs: [\"${data}/prepared\"]\n"
                "metrics:\n  - metrics.json\n")
    write(repo / "mlgit.yaml", original)
    mlgit(repo, "stage", "add", "train", "--cmd", "python train.py", "-d", "data/prepared")
    text = (repo / "mlgit.yaml").read_text()
    head = original.partition("metrics:\n")[0]
    assert text.startswith(head)
    assert text.endswith("metrics:\n  - metrics.json\n")
    assert "    train:\n      cmd: python train.py\n" in text
    assert [s.name for s in load_pipeline(str(repo)).stages] == ["prepare", "train"]


def test_an_existing_name_needs_force(repo: Path) -> None:
    mlgit(repo, "stage", "add", "a", "--cmd", "one")
    before = (repo / "mlgit.yaml").read_bytes()
    assert_clean_error(mlgit(repo, "stage", "add", "a", "--cmd", "two", code=1),
                       "mlgit.yaml: a stage named 'a' already exists", "--force")
    assert (repo / "mlgit.yaml").read_bytes() == before
    mlgit(repo, "stage", "add", "b", "--cmd", "three")
    run = mlgit(repo, "stage", "add", "a", "--cmd", "two", "--force")
    assert "Replaced stage 'a'" in run.out
    assert [(s.name, s.cmd) for s in load_pipeline(str(repo)).stages] == [
        ("a", ("two",)), ("b", ("three",))]


def test_bad_names_are_refused(repo: Path) -> None:
    for name, shown in (("a.b", "'.'"), ("a@b", "'@'"), ("sub/x", "'/'"), ("a b", "' '"),
                        ("a:b", "':'")):
        assert_clean_error(mlgit(repo, "stage", "add", name, "--cmd", "x", code=1),
                           f"'{name}': invalid stage name: it contains {shown}",
                           "letters, digits")
    assert not (repo / "mlgit.yaml").exists()
    mlgit(repo, "stage", "add", "ok_name-2", "--cmd", "x")


def test_paths_outside_the_repository_are_refused(repo: Path) -> None:
    for args, needle in ((["-d", "../x"], "stages.s.deps[0]: path '../x' is outside"),
                         (["-o", "/tmp/x"], "stages.s.outs[0]: absolute path '/tmp/x'"),
                         (["-w", "../.."], "stages.s.wdir: path '../..' is outside"),
                         (["-m", ".mlgit/x"], "stages.s.metrics[0]: path '.mlgit/x' enters")):
        assert_clean_error(mlgit(repo, "stage", "add", "s", "--cmd", "x", *args, code=1),
                           "mlgit.yaml: stage 's' not written: " + needle)
    assert not (repo / "mlgit.yaml").exists()


def test_a_broken_file_is_not_touched(repo: Path) -> None:
    write(repo / "mlgit.yaml", "stages:\n  a:\n    cmd: x\n   deps: [a]\n")
    assert_clean_error(mlgit(repo, "stage", "add", "b", "--cmd", "y", code=1),
                       "mlgit.yaml:4: invalid YAML")
    assert (repo / "mlgit.yaml").read_text() == "stages:\n  a:\n    cmd: x\n   deps: [a]\n"


def test_a_file_that_is_not_utf8_is_not_touched(repo: Path) -> None:
    write(repo / "mlgit.yaml", b"stages:\n  a:\n    cmd: caf\xe9\n")
    assert_clean_error(mlgit(repo, "stage", "add", "b", "--cmd", "y", code=1),
                       "mlgit.yaml: is not UTF-8 text", "save it as UTF-8")
    assert (repo / "mlgit.yaml").read_bytes() == b"stages:\n  a:\n    cmd: caf\xe9\n"


def test_not_inside_mlgit_folder(repo: Path) -> None:
    assert_clean_error(mlgit(repo / ".mlgit", "stage", "add", "s", "--cmd", "x", code=1),
                       ".mlgit: mlgit never writes a pipeline file inside")


def test_a_stage_that_would_break_the_pipeline_is_not_written(repo: Path) -> None:
    mlgit(repo, "stage", "add", "train", "--cmd", "make", "-d", "in.txt", "-o", "model.pkl")
    (repo / "sub").mkdir()
    mlgit(repo / "sub", "stage", "add", "fit", "--cmd", "make", "-o", "folder")
    before = (repo / "mlgit.yaml").read_text()
    for args, problem in [
        (["-o", "m", "-o", "m"], "stages.bad.outs: m is also written"
                                 " by the stage itself"),
        (["-o", "model.pkl"], "stages.bad.outs: model.pkl is also written by stage train"),
        (["-o", "sub/folder/x"], "sub/folder/x is inside sub/folder, which stage"
                                 " sub/mlgit.yaml:fit writes"),
        (["-d", "model.pkl", "-o", "in.txt"], "cycle between stages: train -> bad -> train"),
    ]:
        result = mlgit(repo, "stage", "add", "bad", "--cmd", "x", *args, code=1)
        assert_clean_error(result, "mlgit.yaml: stage 'bad' not written: ", problem)
        assert (repo / "mlgit.yaml").read_text() == before
    mlgit(repo, "stage", "add", "later", "--cmd", "x", "-d", "not-there-yet.csv")
    assert "later" in (repo / "mlgit.yaml").read_text()


def test_the_git_add_line_names_each_gitignore_once(repo: Path) -> None:
    (repo / "out").mkdir()
    run = mlgit(repo, "stage", "add", "make", "-c", "true", "-o", "a.bin", "-o", "b.bin",
                "-m", "m.json", "-o", "out/c.bin", "-o", "out/d.bin")
    assert "    git add mlgit.yaml .gitignore out/.gitignore\n" in run.out, run.out
