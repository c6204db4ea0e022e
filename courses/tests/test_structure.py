"""The courses app's modules import each other in one direction only: no import cycle, not
even through an import inside a function, and no model imports a view (Wagtail serves the
pages; their models build what they show)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """courses module → the courses modules it imports, anywhere in its code."""
    modules = {
        _module(path): path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    }
    graph = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            found |= {target for target in targets if target in modules and target != name}
        graph[name] = found - {"courses"}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_courses_modules_have_no_import_cycle():
    graph = _imports()
    assert "courses.models" in graph and "courses.selectors" in graph["courses.views"]
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_no_model_imports_a_view():
    assert "courses.views" not in _imports()["courses.models"]
