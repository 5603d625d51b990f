# Create or update the one pull request comment that carries the report.
set -euo pipefail
. "$GITHUB_ACTION_PATH/action/lib.sh"
"$MLGIT_ACTION_PYTHON" "$GITHUB_ACTION_PATH/action/sticky_comment.py" "$MLGIT_ACTION_STATE/report.md"
