"""Small JSON helpers for the mlgit GitHub Action's shell steps (standard library only).

    json_tool.py has-name NAME   stdin: `mlgit remote list --json`; prints yes or no
    json_tool.py stale           stdin: `mlgit status --json`; the stage rows, compact JSON
    json_tool.py stale-md        stdin: `mlgit status --json`; the stage rows as Markdown
    json_tool.py compact         stdin: JSON; the same, compact (empty input: empty output)
    json_tool.py sha256          stdin: bytes; their SHA-256 in hex
"""

from __future__ import annotations

import hashlib
import json
import sys
from typing import Any


def _load() -> Any:
    text = sys.stdin.read()
    return json.loads(text) if text.strip() else None


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _stale_rows(rows: Any) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        return []
    return [row for row in rows if isinstance(row, dict) and "stage" in row]


def _stale_markdown(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "None: every stage is up to date."
    lines = []
    for row in rows:
        reasons = "; ".join(str(r.get("text", r)) for r in row.get("reasons", []))
        lines.append(f"- `{row['stage']}`" + (f": {reasons}" if reasons else ""))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    verb = argv[0] if argv else ""
    if verb == "sha256":
        print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())
    elif verb == "has-name" and len(argv) == 2:
        names = [row.get("name") for row in _load() or []]
        print("yes" if argv[1] in names else "no")
    elif verb == "stale":
        data = _load()
        print(_compact(_stale_rows(data)) if data is not None else "")
    elif verb == "stale-md":
        data = _load()
        print(_stale_markdown(_stale_rows(data)) if data is not None
              else "_`mlgit status --json` failed._")
    elif verb == "compact":
        data = _load()
        print(_compact(data) if data is not None else "")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
