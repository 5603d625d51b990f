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

# NAME VALUE: a step output; the value may span lines.
put_output() {
  local delimiter
  delimiter="mlgit_output_$RANDOM$RANDOM$RANDOM"
  {
    printf '%s<<%s\n' "$1" "$delimiter"
    printf '%s\n' "$2"
    printf '%s\n' "$delimiter"
  } >>"$GITHUB_OUTPUT"
}

json_tool() {
  "$MLGIT_ACTION_PYTHON" "$GITHUB_ACTION_PATH/action/json_tool.py" "$@"
}
