#!/bin/sh
# A short tour of mlgit: version a dataset and a model beside Git, change them, travel back
# in history and share them through a remote; then run the pipeline of examples/pipeline,
# change a parameter and rerun only what it affects. Runs in a temporary folder, removed at
# the end unless --keep is given; needs git, python3 and mlgit on PATH.
#
#   sh examples/demo.sh [--keep]
set -eu

keep=no
case "${1:-}" in
  --keep) keep=yes ;;
  "") ;;
  *) echo "usage: sh examples/demo.sh [--keep]" >&2; exit 2 ;;
esac
command -v mlgit >/dev/null 2>&1 || {
  echo "demo: mlgit is not on PATH; run '. .venv/bin/activate' first (see README.md)" >&2
  exit 1
}

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
# Quote one word the way a shell reader expects, so an echoed command can be pasted back.
quote() {
  case "$1" in
    "" | *[!A-Za-z0-9_./:=@%+,-]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf '%s' "$1" ;;
  esac
}
run() {
  printf '$'
  for word in "$@"; do printf ' %s' "$(quote "$word")"; done
  printf '\n'
  "$@"
}

examples=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mlgit-demo.XXXXXX")
if [ "$keep" = no ]; then
  trap 'rm -rf "$work"' EXIT
fi
mkdir "$work/project"
cd "$work/project"
export GIT_AUTHOR_NAME="mlgit demo" GIT_AUTHOR_EMAIL="demo@example.com"
export GIT_COMMITTER_NAME="mlgit demo" GIT_COMMITTER_EMAIL="demo@example.com"

say "A Git repository with mlgit set up ($work/project)"
run git init -q -b main
run mlgit init

say "Some data too big for Git: 500 images and a 20 MiB model"
python3 - <<'PY'
import os, random
rng = random.Random(7)
for i in range(500):
    folder = f"data/images/class{i % 5}"
    os.makedirs(folder, exist_ok=True)
    with open(f"{folder}/img{i:04d}.bin", "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 8192)))
with open("model.pt", "wb") as f:
    f.write(rng.randbytes(20 << 20))
PY
run du -sh data model.pt

say "Track them: content goes to the cache, small pointer files go to Git"
run mlgit add data model.pt
run cat model.pt.mlgit
run git add .gitignore data.mlgit model.pt.mlgit .mlgit/.gitignore .mlgit/config.yaml
run git commit -q -m "dataset v1 and model"

say "Change the data: edit one file, add one, delete one"
printf 'relabelled' > data/images/class0/img0000.bin
printf 'new sample' > data/images/class1/img9999.bin
rm data/images/class2/img0002.bin
run mlgit status
run mlgit add data
run git commit -q -am "dataset v2"

say "Back to v1: Git moves the pointers, mlgit moves the data"
run git checkout -q HEAD~1
run mlgit checkout
run mlgit status
run git checkout -q main
run mlgit checkout
run mlgit status

say "Disaster: the whole dataset is deleted. mlgit restores it from the cache"
rm -rf data model.pt
run mlgit checkout
run mlgit ls

say "Share: push the data to a remote (a local folder here; gs://, s3://, ssh:// work alike)"
run mlgit remote add origin ../store
run git commit -q -am "add the origin remote"
run mlgit push
run mlgit status --remote

say "A colleague clones the repository and pulls the data"
run git clone -q . ../clone
cd ../clone
run mlgit pull
run mlgit status
cd ../project

say "Every revision stays at hand: v1's data is still in the cache"
run git checkout -q HEAD~2
run mlgit checkout
run git checkout -q main
run mlgit checkout
run mlgit status

say "A pipeline in a new repository: prepare -> featurize -> train -> evaluate (examples/pipeline)"
cd "$work"
run cp -R "$examples/pipeline" pipeline
cd pipeline
run git init -q -b main
run mlgit init
run mlgit dag

say "mlgit repro runs every stage in dependency order, says why, and records it in mlgit.lock"
run mlgit repro
run git add -A
run git commit -q -m "pipeline and its results"

say "Nothing changed: a second mlgit repro runs nothing"
run mlgit repro

say "Lower the decision threshold: only evaluate reads it, so only evaluate is stale"
run sed -i.orig 's/threshold: 0.5/threshold: 0.4/' params.yaml
rm params.yaml.orig
run mlgit status
run mlgit repro

say "What the change did: the metrics and params against the last commit"
run mlgit metrics diff
run mlgit params diff
run git commit -q -am "evaluate with threshold 0.4"

say "Where the model comes from: each stage, its command, params and inputs, down to Git"
run mlgit lineage model/model.json

say "Share the pipeline: push its outputs to the same remote folder"
run mlgit remote add origin ../store
run git commit -q -am "add the origin remote"
run mlgit push

say "A colleague clones the pipeline and pulls: the outputs are there, nothing needs to run"
run git clone -q . ../pipeline-clone
cd ../pipeline-clone
run mlgit pull
run ls data/features model
run mlgit repro --dry

if [ "$keep" = yes ]; then
  say "Done. Everything above ran in $work (kept: look around, then remove it)."
else
  say "Done. Everything above ran in $work (now removed; pass --keep to keep it)."
fi
