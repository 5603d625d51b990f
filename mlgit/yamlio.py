"""YAML parsing/dumping with the C implementation when present. PyYAML is imported on first
use only: it costs ~25 ms of start-up that a no-op status should not pay."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any



class YAMLError(Exception):
    """Malformed YAML; the message says where ("line 3, column 5: ...")."""


def load(text: str | bytes) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise YAMLError(_describe(exc)) from None


def dump(data: Any) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    out: str = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False, width=1000)
    return out


def describe_error(exc: BaseException) -> str:
    return str(exc)


def _describe(exc: BaseException) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(problem)
