"""The layout's two rules, read from the source: SQL stays in storage/, and a step that runs in
its caller's unit of work never commits (see mailbot/services/__init__.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import mailbot

PACKAGE = Path(mailbot.__file__).parent
# What a step's first parameter is annotated with: an open unit of work, or one wrapped.
OPEN_WORK = {"UnitOfWork", "Work", "Handling"}


def _modules(*, outside: str = "", under: str = "") -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if (outside and relative.startswith(outside)) or not relative.startswith(under):
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_no_module_outside_storage_touches_a_session_or_builds_sql() -> None:
    """Outside storage/, no code reads `.session` or imports SQLAlchemy beyond its errors and
    the Engine type that bootstrap wires."""
    found = []
    for path, tree in _modules(outside="storage/"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "session":
                found.append(f"{path.name}:{node.lineno} .session")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                names = {alias.name for alias in node.names}
                if node.module != "sqlalchemy.exc" and names != {"Engine"}:
                    found.append(f"{path.name}:{node.lineno} from {node.module} import {names}")
    assert found == []


def test_a_step_in_the_callers_unit_of_work_never_commits() -> None:
    """A function of services/ whose first parameter is an open UnitOfWork, a Work or a
    Handling calls no `commit()`: the commit is its caller's."""
    steps = 0
    committing = []
    for path, tree in _modules(under="services/"):
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            parameters = [a for a in node.args.args if a.arg not in ("self", "cls")]
            first = parameters[0].annotation if parameters else None
            if first is None or ast.unparse(first) not in OPEN_WORK:
                continue
            steps += 1
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "commit"
                ):
                    committing.append(f"{path.name}:{node.name}")
    assert steps > 50  # the rule was checked against the steps, not against nothing
    assert committing == []
