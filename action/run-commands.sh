# Run each line of the command input as `mlgit WORDS...`; stop at the first that fails and
# record it, so the report is still written before the action fails.
set -euo pipefail
. "$GITHUB_ACTION_PATH/action/lib.sh"

results="$MLGIT_ACTION_STATE/commands.md"
output="$MLGIT_ACTION_STATE/output.txt"
: >"$results"
failed=""
while IFS= read -r line || [ -n "$line" ]; do
  read -ra words <<<"$line"
  if [ "${#words[@]}" -eq 0 ] || [ "${words[0]:0:1}" = "#" ]; then
    continue
  fi
  if [ "${words[0]}" = mlgit ]; then
    words=("${words[@]:1}")
  fi
  shown="mlgit ${words[*]}"
  echo "::group::$shown"
  # The output names files a pull request chose: a line of it must not act as a workflow
  # command, so commands are off while it prints.
  resume=$(resume_token)
  echo "::stop-commands::$resume"
  set +e
  mlgit "${words[@]}" 2>&1 | tee "$output"
  status=${PIPESTATUS[0]}
  set -e
  echo "::$resume::"
  echo "::endgroup::"
  if [ "$status" -eq 0 ]; then
    printf '| `%s` | ok |\n' "$shown" >>"$results"
    continue
  fi
  printf '| `%s` | **failed** (exit %s) |\n' "$shown" "$status" >>"$results"
  {
    # in <pre>, HTML-escaped: no line of it can end the block or become Markdown or HTML
    printf '\n<details><summary>Output of <code>%s</code></summary>\n\n<pre>\n' "$shown"
    tail -n 30 "$output" | json_tool html
    printf '</pre>\n</details>\n'
  } >"$MLGIT_ACTION_STATE/failure.md"
  failed=$shown
  break
done <<<"$MLGIT_ACTION_COMMAND"
put_output failed "$failed"
