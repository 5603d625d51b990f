"""Parameters from a Python file, read with `ast` and never run: module-level assignments of
literals (`lr = 0.01`), and class attributes and `self.NAME = ...` assignments in a class's
`__init__` as a mapping under the class name (`Train.lr`), as DVC reads them. An assignment
whose value is not a literal (a call, a name, arithmetic) is left out."""

from __future__ import annotations

import ast
from typing import Any

_NOT_LITERAL = object()


def python_values(source: str) -> dict[str, Any]:
    """Raises SyntaxError for a file Python cannot parse."""
    return _assigned(ast.parse(source).body, in_init=False)


def _assigned(body: list[ast.stmt], in_init: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for node in body:
        if isinstance(node, ast.ClassDef) and not in_init:
            found[node.name] = _class_values(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = _literal(node.value)
            if value is _NOT_LITERAL:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _name(target, in_init)
                if name is not None:
                    found[name] = value
    return found


def _class_values(cls: ast.ClassDef) -> dict[str, Any]:
    values = _assigned(cls.body, in_init=False)
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            values.update(_assigned(node.body, in_init=True))
    return values


def _name(target: ast.expr, in_init: bool) -> str | None:
    """`NAME = ...` outside `__init__`, `self.NAME = ...` inside it; None for anything else."""
    if not in_init and isinstance(target, ast.Name):
        return target.id
    if (in_init and isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
            and target.value.id == "self"):
        return target.attr
    return None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
