# Write the report: the commands, then the params, metrics and data that changed against the
# base, then the stages still stale. It goes to the step summary, to the outputs and to the
# file the pull request comment is made from.
set -euo pipefail
. "$GITHUB_ACTION_PATH/action/lib.sh"

base=$MLGIT_ACTION_BASE
revs=()
if [ -n "$base" ]; then
  revs=("$base")
fi
errors="$MLGIT_ACTION_STATE/errors.txt"
version=$(mlgit --version)

# mlgit releases before `mlgit diff` compare params and metrics only between HEAD and the work
# tree; given a revision, `metrics diff` would take it for a metrics file.
revision_diffs=yes
if ! mlgit diff --help >/dev/null 2>&1; then
  revision_diffs=no
fi

# TITLE ARGS...: one section from `mlgit ARGS --md`, or a line saying why it is missing.
section() {
  local title=$1 text status
  shift
  printf '\n### %s\n\n' "$title"
  if [ "$revision_diffs" = no ] && { [ -n "$base" ] || [ "$1" = diff ]; }; then
    printf '_Not shown: this needs `mlgit %s`, which %s lacks._\n' "$*" "$version"
    return
  fi
  set +e
  text=$(mlgit "$@" --md 2>"$errors")
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    printf '%s\n' "$text"
  elif [ "$status" -eq 2 ]; then
    printf '_Not shown: this needs `mlgit %s`, which %s lacks._\n' "$*" "$version"
  else
    printf '_`mlgit %s` failed:_ %s\n' "$*" \
      "$({ grep -m1 . "$errors" || echo "exit $status"; } | json_tool code)"
  fi
}

# ARGS...: the output of `mlgit ARGS`, or nothing if it fails.
quiet() {
  mlgit "$@" 2>/dev/null || true
}

report="$MLGIT_ACTION_STATE/report.md"
status_json=$(quiet status --json)
{
  printf '## mlgit\n\n'
  if [ -n "$base" ]; then
    printf 'Compared with `%s` (%s) on %s.\n' "$base" \
      "$(git rev-parse --short "$base^{commit}")" "$(git rev-parse --short HEAD)"
  else
    printf 'Compared with HEAD (%s): no base revision (set the `base` input, or run on a pull request).\n' \
      "$(git rev-parse --short HEAD)"
  fi
  if [ -s "$MLGIT_ACTION_STATE/commands.md" ]; then
    printf '\n| Command | Result |\n| --- | --- |\n'
    cat "$MLGIT_ACTION_STATE/commands.md"
    if [ -f "$MLGIT_ACTION_STATE/failure.md" ]; then
      cat "$MLGIT_ACTION_STATE/failure.md"
    fi
  fi
  section Params params diff ${revs[@]+"${revs[@]}"}
  section Metrics metrics diff ${revs[@]+"${revs[@]}"}
  section Data diff ${revs[@]+"${revs[@]}"}
  printf '\n### Stale stages\n\n'
  printf '%s' "$status_json" | json_tool stale-md
} >"$report"

stale=$(printf '%s' "$status_json" | json_tool stale)
put_output stale-stages "$stale"
metrics=""
if [ "$revision_diffs" = yes ] || [ -z "$base" ]; then
  metrics=$(quiet metrics diff ${revs[@]+"${revs[@]}"} --json | json_tool compact)
fi
put_output metrics-diff "$metrics"
# GitHub drops a step summary above 1 MiB (and limits outputs alike).
shown="$MLGIT_ACTION_STATE/summary.md"
if [ "$(wc -c <"$report")" -gt 1000000 ]; then
  head -c 990000 "$report" | sed '$d' >"$shown"
  printf '\n_The report is cut here: it is longer than a step summary may be._\n' >>"$shown"
else
  cp "$report" "$shown"
fi
put_output report "$(cat "$shown")"
if [ "${MLGIT_ACTION_SUMMARY:-true}" = true ]; then
  cat "$shown" >>"$GITHUB_STEP_SUMMARY"
fi
# The report quotes the output of a failed command (file names a pull request chose)
print_untrusted "$shown"
