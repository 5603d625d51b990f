# Install mlgit with the pip of the Python on PATH, unless this job already installed the same
# requirement with the same Python (the action may run twice: once for the cache key, once
# for the commands).
set -euo pipefail
MLGIT_ACTION_PYTHON=$(command -v python3 || command -v python || true)
. "$GITHUB_ACTION_PATH/action/lib.sh"

if [ -z "$MLGIT_ACTION_PYTHON" ]; then
  annotate error "no python3 or python on PATH: add actions/setup-python before this action"
  exit 1
fi

version=$MLGIT_ACTION_VERSION
extras=${MLGIT_ACTION_EXTRAS//[[:space:]]/}
release='^[0-9]+(\.[0-9]+)*((a|b|rc|\.post|\.dev)[0-9]+)*$'
if [ -z "$version" ]; then
  requirement="${GITHUB_ACTION_PATH%/}${extras:+[$extras]}"
elif [[ $version =~ $release ]]; then
  requirement="mlgit${extras:+[$extras]}==$version"
elif [ -d "$version" ]; then
  requirement="${version%/}${extras:+[$extras]}"
elif [ -n "$extras" ]; then
  annotate error "extras apply to a release number or a path; write them into the requirement instead, e.g. mlgit[$extras] @ $version"
  exit 1
else
  requirement=$version
fi

marker=""
if [ -n "${RUNNER_TEMP:-}" ]; then
  marker="$RUNNER_TEMP/mlgit-action-installed"
fi
wanted=$(printf '%s\n%s' "$MLGIT_ACTION_PYTHON" "$requirement")
if [ -n "$marker" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$wanted" ]; then
  echo "mlgit is already installed in this job ($requirement)"
else
  echo "::group::pip install $requirement"
  if ! "$MLGIT_ACTION_PYTHON" -m pip install --disable-pip-version-check "$requirement"; then
    echo "::endgroup::"
    annotate error "pip could not install '$requirement' with $MLGIT_ACTION_PYTHON. On a runner's system Python (which pip may refuse to change), add actions/setup-python before this action."
    exit 1
  fi
  echo "::endgroup::"
  if [ -n "$marker" ]; then
    printf '%s' "$wanted" >"$marker"
  fi
fi
mlgit --version

state=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mlgit-action.XXXXXX")
put_output python "$MLGIT_ACTION_PYTHON"
put_output state "$state"
