"""Small JSON helpers for the mlgit GitHub Action's shell steps (standard library only).

    json_tool.py has-name NAME   stdin: `mlgit remote list --json`; prints yes or no
    json_tool.py stale           stdin: `mlgit status --json`; the stage rows, compact JSON
    json_tool.py stale-md        stdin: `mlgit status --json`; the stage rows as Markdown
    json_tool.py compact         stdin: JSON; the same, compact (empty input: empty output)
    json_tool.py sha256          stdin: bytes; their SHA-256 in hex
    json_tool.py code            stdin: text; its first line as a Markdown code span
    json_tool.py html            stdin: text; HTML-escaped, for a <pre> block

Everything put into the report from mlgit's output may name files a pull request chose: it
goes in as a code span or escaped HTML, so it shows as written and never becomes HTML, a
link, a mention or the end of a code block.
"""

from __future__ import annotations

import hashlib
import html
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
        reasons = "; ".join(_code(str(r.get("text", r))) for r in row.get("reasons", []))
        lines.append(f"- {_code(str(row['stage']))}" + (f": {reasons}" if reasons else ""))
    return "\n".join(lines)


def _code(text: str) -> str:
    """`text` (one line) as a Markdown code span: a fence longer than any run of backquotes
    in it, and a space inside when it starts or ends with one."""
    text = " ".join(text.splitlines()) or " "
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


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
    elif verb == "code":
        print(_code(sys.stdin.read().strip("\n").partition("\n")[0]))
    elif verb == "html":
        sys.stdout.write(html.escape(sys.stdin.read(), quote=False))
    elif verb == "compact":
        data = _load()
        print(_compact(data) if data is not None else "")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
