"""The code map holds: each folder imports only what the README's code map allows it.

A new module or folder fails here until the map (below and in the README) says where it sits.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "dodo_transform"

CORE = ("transform", "samples", "sandbox")
# Module or folder (dotted, below dodo_transform) -> what it may import of the package.
# A folder's own modules may always import each other.
ALLOWED: dict[str, tuple[str, ...]] = {
    "sandbox": (),
    "transform": ("sandbox",),
    "samples": (),
    "report": ("transform",),
    "testing": (
        "samples",
        "report",
        "sandbox",
        "transform",
        "analysis",
        "hints",
        "mailerlite.lint",
        "strictjson",
    ),
    "analysis": (),
    "hints": ("samples", "sandbox", "jsonpath"),
    "workbench": ("samples", "sandbox", "strictjson", "testing", "transform"),
    "clock": (),
    "serving": (),
    "strictjson": (),
    "jsonpath": (),
    "mailerlite": ("clock", "jsonpath"),
    "relay": (
        *CORE,
        "analysis",
        "report",
        "clock",
        "strictjson",
        "mailerlite.lint",
        "workbench.testapi",
    ),
    "console": ("relay", "workbench.playground"),
    "cli": ("*",),
    "__init__": ("*",),
    "__main__": ("*",),
}


def _owner(module: str) -> str:
    """The entry of ALLOWED a module belongs to (its folder, or itself at the top)."""
    return module.split(".")[0]


def _imports(path: Path, module: str) -> list[tuple[str, int]]:
    """Every ``dodo_transform`` module ``path`` imports (also inside functions), absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
                names = [] if node.module else [a.name for a in node.names]
            elif (node.module or "").startswith("dodo_transform"):
                target = node.module.removeprefix("dodo_transform").lstrip(".")  # type: ignore[union-attr]
                names = []
            else:
                continue
            if not names:  # from .x import y: y is a module of x, or a name in x
                names = [a.name for a in node.names if _is_module(f"{target}.{a.name}")]
                if not names:
                    found.append((target, node.lineno))
            found.extend((f"{target}.{n}".lstrip("."), node.lineno) for n in names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("dodo_transform."):
                    found.append((alias.name.removeprefix("dodo_transform."), node.lineno))
    return found


def _is_module(dotted: str) -> bool:
    path = PACKAGE.joinpath(*dotted.strip(".").split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _modules() -> list[tuple[Path, str]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((path, ".".join(parts)))
    return out


def test_every_module_is_on_the_code_map() -> None:
    unknown = sorted({_owner(m) for _, m in _modules()} - set(ALLOWED))
    assert unknown == [], f"add {unknown} to the code map (tests/test_layout.py and the README)"


def test_each_folder_imports_only_what_the_code_map_allows() -> None:
    problems = []
    for path, module in _modules():
        owner = _owner(module)
        allowed = ALLOWED.get(owner, ())
        for target, line in _imports(path, module):
            if not target or _owner(target) == owner or "*" in allowed:
                continue
            if not any(target == a or target.startswith(a + ".") for a in allowed):
                problems.append(f"{path.relative_to(PACKAGE)}:{line}: {module} imports {target}")
    assert problems == []


def test_no_module_imports_another_folders_private_module() -> None:
    problems = []
    for path, module in _modules():
        for target, line in _imports(path, module):
            private = [p for p in target.split(".") if p.startswith("_") and p != "__init__"]
            if private and _owner(target) != _owner(module):
                problems.append(f"{path.relative_to(PACKAGE)}:{line}: {module} imports {target}")
    assert problems == []


def test_the_folders_import_each_other_without_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for path, module in _modules():
        if module in ("__init__", "__main__"):
            continue
        for target, _ in _imports(path, module):
            if target and _owner(target) != _owner(module):
                graph.setdefault(_owner(module), set()).add(_owner(target))

    def cycle_from(node: str, trail: list[str]) -> list[str] | None:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        for nxt in sorted(graph.get(node, ())):
            found = cycle_from(nxt, [*trail, node])
            if found:
                return found
        return None

    for start in sorted(graph):
        assert cycle_from(start, []) is None, " -> ".join(cycle_from(start, []) or [])
