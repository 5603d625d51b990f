# Point mlgit at the remote the inputs name, settle the base revision, compute the cache key.
set -euo pipefail
. "$GITHUB_ACTION_PATH/action/lib.sh"

configure_remote() {
  local name=${MLGIT_ACTION_REMOTE_NAME:-ci} url=$MLGIT_ACTION_REMOTE_URL line key value known
  if [ -n "$url" ]; then
    known=$(mlgit remote list --json | json_tool has-name "$name")
    if [ "$known" = yes ]; then
      # The committed config keeps its URL; this machine's config overrides it.
      mlgit remote modify "$name" url "$url" --local
    else
      mlgit remote add "$name" "$url"
    fi
    mlgit config core.remote "$name" --local
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    if [ -z "$line" ] || [ "${line:0:1}" = "#" ]; then
      continue
    fi
    if [[ $line != *=* ]]; then
      annotate error "remote-options: '$line' is not KEY=VALUE"
      exit 1
    fi
    key=${line%%=*}
    key=${key%"${key##*[![:space:]]}"}
    value=${line#*=}
    value=${value#"${value%%[![:space:]]*}"}
    mlgit remote modify "$name" "$key" "$value" --local
  done <<<"$MLGIT_ACTION_REMOTE_OPTIONS"
}

settle_base() {
  local base=$MLGIT_ACTION_BASE fix
  if [[ $base =~ ^0+$ ]]; then
    base="" # github.event.before of a branch's first push: nothing to compare with
  fi
  if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
    base="origin/$GITHUB_BASE_REF"
  fi
  if [ -n "$base" ] && ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    fix="fetch it before this step (git fetch origin ${GITHUB_BASE_REF:-BRANCH})"
    if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
      fix="this is a shallow clone: give actions/checkout 'fetch-depth: 0', or run 'git fetch --deepen=100 origin ${GITHUB_BASE_REF:-BRANCH}' before this step"
    fi
    annotate error "the base revision '$base' is not in this clone; $fix"
    exit 1
  fi
  put_output base "$base"
}

cache_key() {
  local hash
  # From the top: mlgit's project is the whole repository, whatever working-directory says.
  hash=$(git -C "$(git rev-parse --show-toplevel)" ls-files -s -- '*.mlgit' 'mlgit.lock' \
    '*/mlgit.lock' | json_tool sha256)
  put_output cache-key "mlgit-${hash:0:40}"
  echo "cache key: mlgit-${hash:0:40}"
}

configure_remote
settle_base
cache_key
