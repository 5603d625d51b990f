# Shared by the action's steps (sourced, not run). Inputs arrive as environment variables and
# are only ever expanded inside double quotes.
set -euo pipefail

mlgit() {
  "$MLGIT_ACTION_PYTHON" -m mlgit "$@"
}

# A workflow command (::error::, ::notice::) with its message escaped as GitHub requires, so
# a value holding a newline cannot start a command of its own.
annotate() {
  local kind=$1 message=$2
  message=${message//'%'/'%25'}
  message=${message//$'\r'/'%0D'}
  message=${message//$'\n'/'%0A'}
  printf '::%s title=mlgit::%s\n' "$kind" "$message"
}

# A token for ::stop-commands::TOKEN that output cannot guess (128 random bits).
resume_token() {
  printf 'mlgit-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
}

# Print the file FILE to the log with workflow commands off: it holds output naming files a
# pull request chose, and a line of it must not act as a workflow command (::error::,
# ::add-mask::...). The token that turns them back on is random, so no output can guess it.
print_untrusted() {
  local resume
  resume=$(resume_token)
  echo "::stop-commands::$resume"
  cat "$1"
  echo "::$resume::"
}

# NAME VALUE: a step output; the value may span lines.
put_output() {
  local delimiter
  delimiter="mlgit_output_$(resume_token)"
  {
    printf '%s<<%s\n' "$1" "$delimiter"
    printf '%s\n' "$2"
    printf '%s\n' "$delimiter"
  } >>"$GITHUB_OUTPUT"
}

json_tool() {
  "$MLGIT_ACTION_PYTHON" "$GITHUB_ACTION_PATH/action/json_tool.py" "$@"
}
