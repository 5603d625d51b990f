"""`${...}` in pipeline files: finding the expressions, looking their names up, and writing
the values into strings (DVC's rules; see docs/pipelines.md#templating)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

from mlgit.pipeline.errors import KeyPath, Problem
from mlgit.pipeline.errors import kind_of as _kind

EXPRESSION = re.compile(r"(?<!\\)\$\{(?P<inner>[^}]*)\}")
_UNCLOSED = re.compile(r"(?<!\\)\$\{")
_HEAD = re.compile(r"\s*([^.\[\]\s]+)")
_STEP = re.compile(r"\.([^.\[\]\s]+)|\[\s*([^.\[\]\s]+)\s*\]")
_SCALARS = (str, int, float, bool)


def has_expression(value: str) -> bool:
    return "${" in value


def resolve(value: Any, values: Mapping[str, Any], path: KeyPath,
            shown: Callable[[KeyPath], str] | None = None, unpack: bool = False) -> Any:
    """`value` (any YAML data) with every `${...}` in its strings (keys too) replaced.
    `unpack`: a mapping written into a string becomes command-line options (inside `cmd`)."""
    if isinstance(value, str):
        if "${" not in value and "\\$" not in value:
            return value
        try:
            return resolve_str(value, values, unpack)
        except Problem as exc:
            raise Problem(path, exc.message, exc.hint,
                          shown(path) if shown else None) from None
    if isinstance(value, list):
        return [resolve(v, values, (*path, i), shown, unpack) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {resolve(k, values, path, shown, unpack): resolve(v, values, (*path, str(k)),
                                                                 shown, unpack)
                for k, v in value.items()}
    return value


def resolve_str(text: str, values: Mapping[str, Any], unpack: bool = False) -> Any:
    matches = list(EXPRESSION.finditer(text))
    _check_closed(text, matches)
    if len(matches) == 1 and matches[0].group(0) == text:
        return select(matches[0]["inner"], values)
    parts: list[str] = []
    end = 0
    for match in matches:
        parts.append(text[end:match.start()])
        parts.append(as_text(match["inner"], select(match["inner"], values), unpack))
        end = match.end()
    parts.append(text[end:])
    return "".join(parts).replace("\\${", "${")


def _check_closed(text: str, matches: list[re.Match[str]]) -> None:
    rest = EXPRESSION.sub("", text)
    if _UNCLOSED.search(rest):
        raise Problem((), f"'{text}': '${{' without a closing '}}'",
                      "close the expression, or write \\${ for a literal ${")


def parse(inner: str) -> tuple[str, ...]:
    """`a.b[0].c` as ("a", "b", "0", "c")."""
    head = _HEAD.match(inner)
    if head is None:
        raise _syntax(inner)
    parts = [head.group(1)]
    pos = head.end()
    stripped = inner.rstrip()
    while pos < len(stripped):
        step = _STEP.match(stripped, pos)
        if step is None:
            raise _syntax(inner)
        parts.append(step.group(1) or step.group(2))
        pos = step.end()
    return tuple(parts)


def _syntax(inner: str) -> Problem:
    return Problem((), f"'${{{inner}}}': not a name (write ${{name}}, ${{a.b.c}} or"
                   " ${a.list[0]})", "fix the expression")


def select(inner: str, values: Mapping[str, Any]) -> Any:
    """The value `inner` (the text between ${ and }) names."""
    parts = parse(inner)
    if parts[0] not in values:
        known = ", ".join(sorted(str(k) for k in values)[:20]) or "none"
        raise Problem((), f"'${{{inner}}}': '{parts[0]}' is not defined (defined: {known})",
                      "define it in params.yaml or in vars, or fix the name")
    value = values[parts[0]]
    for i, part in enumerate(parts[1:], 1):
        value = _step(value, part, ".".join(parts[:i]), inner)
    return value


def _step(value: Any, part: str, where: str, inner: str) -> Any:
    if isinstance(value, Mapping):
        for key in (part, _as_int(part)):
            if key is not None and key in value:
                return value[key]
        keys = ", ".join(str(k) for k in list(value)[:20]) or "none"
        raise Problem((), f"'${{{inner}}}': '{where}' has no key '{part}' (keys: {keys})",
                      "fix the name, or add the key")
    if isinstance(value, list):
        index = _as_int(part)
        if index is None:
            raise Problem((), f"'${{{inner}}}': '{where}' is a list: index it with a number"
                          f" ({where}[0])", "fix the expression")
        if not -len(value) <= index < len(value):
            raise Problem((), f"'${{{inner}}}': index {index} is past the end of '{where}'"
                          f" ({len(value)} items)", "fix the index")
        return value[index]
    raise Problem((), f"'${{{inner}}}': '{where}' is {_kind(value)}, not a mapping or list",
                  "fix the expression")


def _as_int(part: str) -> int | None:
    try:
        return int(part)
    except ValueError:
        return None


def as_text(inner: str, value: Any, unpack: bool = False) -> str:
    """`value` written into a longer string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, _SCALARS):
        return str(value)
    if isinstance(value, dict) and unpack:
        return unpack_options(inner, value)
    if value is None:
        raise Problem((), f"'${{{inner}}}' is null, which cannot be written into text",
                      "give it a value, or use the whole value alone")
    where = "a string" if isinstance(value, list) or unpack else "a string outside 'cmd'"
    raise Problem((), f"'${{{inner}}}' is {_kind(value)}, which cannot be written into {where}",
                  "name one of its values instead (${" + inner + ".KEY})"
                  if isinstance(value, dict) else "name one item (${" + inner + "[0]})")


def unpack_options(inner: str, value: Mapping[str, Any]) -> str:
    """A mapping as command-line options, as DVC unpacks one in `cmd`: `--key value`,
    nested keys joined with dots, `true` as a bare flag, `false` left out, a list's items
    after one `--key`, strings quoted for the shell."""
    words: list[str] = []
    for key, item in _flatten(value, ""):
        if isinstance(item, bool):
            if item:
                words.append(f"--{key}")
        elif isinstance(item, list):
            if any(isinstance(i, (list, dict)) for i in item):
                raise Problem((), f"'${{{inner}}}': '{key}' holds a nested list or mapping,"
                              " which cannot be written as options", "unpack its items")
            words.append(f"--{key}")
            words.extend(_word(i) for i in item)
        elif item is None:
            raise Problem((), f"'${{{inner}}}': '{key}' is null, which cannot be written as an"
                          " option", "give it a value")
        else:
            words.extend((f"--{key}", _word(item)))
    return " ".join(words)


def _flatten(value: Mapping[str, Any], prefix: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            out.extend(_flatten(item, name + "."))
        else:
            out.append((name, item))
    return out


def _word(value: Any) -> str:
    if isinstance(value, str):
        return shlex.quote(value) if value else "''"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
