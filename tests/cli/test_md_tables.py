"""The --md tables go into a pull request's comment and the job summary, and name files, keys
and values the pull request chose: rendered by GitHub's Markdown renderer (cmark-gfm), each
such cell shows its text as written, never HTML, a link, an image, an autolinked URL, an
@mention or emphasis."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import cmarkgfm
from hypothesis import given, settings
from hypothesis import strategies as st

from mlgit.cli.render.text import md_code
from mlgit.paths import printable
from tests.conftest import git, mlgit, write

HOSTILE = "@octocat <img src=x> **b** _i_ www.evil.example [l](http:x) `t` #1 a|b &amp;"
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)


def _rendered_cells(markdown: str) -> list[list[str]]:
    """The body cells of the table in `markdown`, as GitHub renders them (HTML)."""
    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown)
    rows = ROW.findall(rendered.partition("<tbody>")[2])
    return [CELL.findall(row) for row in rows]


def _shown_as_text(cell: str) -> str:
    """The text a cell shows, when all it holds is code spans and plain text."""
    assert not re.search(r"<(?!/?code>)", cell), cell  # no tag but <code>
    return html.unescape(re.sub(r"</?code>", "", cell))


def test_data_diff_shows_a_chosen_file_name_as_written(repo: Path) -> None:
    write(repo / "d" / f"{HOSTILE}.bin", "x")
    mlgit(repo, "add", "d")
    cells = _rendered_cells(mlgit(repo, "diff", "--md").out)
    assert [_shown_as_text(c) for c in cells[1]] == ["added", f"d/{HOSTILE}.bin", "1 B"]


def test_params_and_metrics_show_chosen_keys_and_values_as_written(gitrepo: Path) -> None:
    write(gitrepo / "mlgit.yaml", "stages:\n  s:\n    cmd: 'true'\n    params: [p]\n"
                                  "    metrics: [{m.json: {cache: false}}]\n")
    write(gitrepo / "params.yaml", json.dumps({"p": {HOSTILE: "old"}}))
    write(gitrepo / "m.json", json.dumps({HOSTILE: 1}))
    git(gitrepo, "add", "-A")
    git(gitrepo, "commit", "-qm", "v1")
    write(gitrepo / "params.yaml", json.dumps({"p": {HOSTILE: HOSTILE}}))
    write(gitrepo / "m.json", json.dumps({HOSTILE: 2}))
    params = _rendered_cells(mlgit(gitrepo, "params", "diff", "--md").out)
    assert [_shown_as_text(c) for c in params[0]] == [
        "params.yaml", f"p.{HOSTILE}", "old", HOSTILE, "-"]
    metrics = _rendered_cells(mlgit(gitrepo, "metrics", "diff", "--md").out)
    assert [_shown_as_text(c) for c in metrics[0]] == ["m.json", HOSTILE, "1", "2", "+1"]
    shown = _rendered_cells(mlgit(gitrepo, "params", "show", "--md").out)
    assert [_shown_as_text(c) for c in shown[0]] == ["params.yaml", f"p.{HOSTILE}", HOSTILE]


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1))
def test_a_code_span_cell_shows_any_text_as_written(text: str) -> None:
    text = printable(text)  # what mlgit shows of a name: invisible characters escaped
    if not text.strip() or "\\|" in text:
        return  # shown as escaped text instead (md_cell), not a span
    cells = _rendered_cells(f"| a | b |\n| --- | --- |\n| x | {md_code(text)} |\n")
    assert len(cells) == 1 and len(cells[0]) == 2, cells
    shown = _shown_as_text(cells[0][1])
    # a cell's text is trimmed; a span's one leading and trailing space is padding
    assert shown == text or shown.strip() == text.strip(), (text, md_code(text), cells)


def test_an_error_row_shows_the_file_name_as_written(gitrepo: Path) -> None:
    name = "m <img src=x> @octocat www.evil.example.json"
    write(gitrepo / "mlgit.yaml", "stages:\n  s:\n    cmd: 'true'\n"
                                  f"    metrics: [{{'{name}': {{cache: false}}}}]\n")
    shown = mlgit(gitrepo, "metrics", "show", "--md", code=1).out
    cells = [_shown_as_text(c) for c in _rendered_cells(shown)[0]]
    assert cells == [name, "-", "error: metrics file not found"], cells
