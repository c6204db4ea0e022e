"""The shape of the code, checked: no import cycles between our modules, the core (lms)
never imports a feature app (only the project's wiring in lms/config/ joins them), its
infrastructure helpers (lms/infra/) import nothing of the domain, and no model imports a
view (Wagtail serves the pages; their models build what they show).

Imports inside functions count too: a cycle hidden in a function is still a cycle a
reader has to hold in their head.
"""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("lms", "courses", "coursework", "live", "billing", "chat", "board", "api")
# Project wiring joins the apps; it is the one place allowed to import them all.
WIRING = ("lms.config",)


def _modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            parts = path.relative_to(settings.BASE_DIR).with_suffix("").parts
            if "tests" in parts or "migrations" in parts:
                continue
            name = ".".join(parts).removesuffix(".__init__")
            modules[name] = path
    return modules


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles(_graph()) == []


def test_the_core_never_imports_a_feature_app():
    graph = _graph()
    offenders = {
        (name, other)
        for name, imported in graph.items()
        if name.startswith("lms") and not name.startswith(WIRING)
        for other in imported
        if other.split(".")[0] != "lms"
    }
    assert offenders == set()


def test_the_infrastructure_helpers_import_no_domain_module():
    graph = _graph()
    offenders = {
        (name, other)
        for name, imported in graph.items()
        if name.startswith("lms.infra")
        for other in imported
        if not other.startswith(("lms.infra", "lms.config"))
    }
    assert offenders == set()


def test_no_model_imports_a_view():
    graph = _graph()
    offenders = {
        (name, other)
        for name, imported in graph.items()
        if name.split(".")[-1] == "models"
        for other in imported
        if other.split(".")[-1] == "views"
    }
    assert offenders == set()
