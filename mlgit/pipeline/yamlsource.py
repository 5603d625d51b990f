"""Reading a pipeline file's YAML: fast (libyaml), with YAML 1.2's rules for plain scalars (as
DVC reads dvc.yaml: `yes`/`on` are strings, `1e-3` is a number, no dates), keys written twice
refused, and, only when an error is reported, the line a key path starts on."""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, ClassVar

from mlgit.pipeline.errors import KeyPath, PipelineError

if TYPE_CHECKING:
    import yaml

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


MAX_VALUES = 1_000_000


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


def _loader_class() -> type[yaml.SafeLoader]:
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False
                              ) -> dict[Any, Any]:
            seen: set[tuple[str, str]] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE:
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise DuplicateKey(key_node.value, key_node.start_mark.line + 1)
                    seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep)
            return mapping

        def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
            text = str(self.construct_scalar(node))
            if text.startswith(("0o", "0x")):
                return int(text[2:], 8 if text[1] == "o" else 16)
            return int(text, 10)

        def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
            text = str(self.construct_scalar(node)).lower()
            if text.endswith(".inf"):
                return -math.inf if text.startswith("-") else math.inf
            return math.nan if text == ".nan" else float(text)

    MERGE = "tag:yaml.org,2002:merge"
    for tag, pattern, first in (("bool", _BOOL, "tTfF"), ("null", _NULL, ["~", "n", "N", ""]),
                                ("int", _INT, "-+0123456789"),
                                ("float", _FLOAT, "-+0123456789."),
                                ("merge", re.compile(r"^<<$"), "<")):
        Loader.add_implicit_resolver(f"tag:yaml.org,2002:{tag}", pattern, list(first))
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_yaml_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_yaml_float)
    return Loader


def loader() -> type[Any]:
    """The loader class (made per call, which costs microseconds: no state is kept)."""
    return _loader_class()


def load(text: bytes, file: str) -> Any:
    """The document in `text` (read from `file`, named in errors)."""
    import yaml

    try:
        data = yaml.load(text, Loader=loader())  # a safe loader (see _loader_class)
        if b"*" in text and _expanded_size(data, {}) > MAX_VALUES:
            raise PipelineError(f"{file}: its aliases (*name) expand to more than"
                                f" {MAX_VALUES:,} values", "write the values out, or use"
                                " fewer nested aliases")
        return data
    except RecursionError:
        raise PipelineError(f"{file}: nested too deeply", "flatten the structure") from None
    except DuplicateKey as exc:
        raise PipelineError(f"{file}:{exc.line}: the key '{exc.key}' is written twice in one"
                            " mapping", "keep one of them") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        column = f" (column {mark.column + 1})" if mark is not None else ""
        raise PipelineError(f"{where}: invalid YAML: {problem}{column}",
                            "fix the YAML syntax at that line") from None
    except UnicodeDecodeError:
        raise PipelineError(f"{file}: is not UTF-8 text", "save it as UTF-8") from None


def _expanded_size(value: Any, seen: dict[int, int]) -> int:
    """How many values `value` holds once every alias is written out (each shared object
    counted once per place it appears, computed once per object)."""
    if not isinstance(value, (dict, list)):
        return 1
    known = seen.get(id(value))
    if known is None:
        items = value.values() if isinstance(value, dict) else value
        known = seen[id(value)] = 1 + sum(_expanded_size(v, seen) for v in items)
    return known


def line_of(text: bytes, path: KeyPath) -> int | None:
    """The line (1-based) where the deepest node along `path` starts: the key's own line for a
    mapping entry; None when the text cannot be composed."""
    import yaml

    try:
        node = yaml.compose(text, Loader=loader())
    except (yaml.YAMLError, DuplicateKey, UnicodeDecodeError):
        return None
    line = None
    for part in path:
        child, at = _child(node, part)
        if child is None:
            break
        node, line = child, at
    return line


def _child(node: Any, part: str | int) -> tuple[Any, int | None]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return value, key_node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None, None
