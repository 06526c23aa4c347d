"""The architecture, kept true: imports between tracker's packages run one way (downwards).

Every module under tracker/ is parsed with `ast`; each import of `tracker.X...` becomes an edge
between nodes (a package's name, or a top-level module's name). The edges must form no cycle,
must never point to a higher layer, and a stage must not reach into another stage's routes or
services (share a piece by moving it down into a pure module or into the core).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"

# Bottom to top. A node may import its own layer's nodes only where the layer says so
# (`within`), and any node of a lower layer.
LAYERS = [
    ("foundation", {"db", "extensions", "timezones", "fields", "rules", "sqlite", "security",
                    "datetext",
                    "templating", "errors", "read_only", "paging"}, "any"),
    ("core", {"core"}, "any"),
    ("ops", {"ops"}, "any"),  # health probes, request logs, backups: need only the core
    ("auth", {"auth"}, "any"),
    # the four stages, in journey order: each may import the earlier ones, never a later one
    ("intention", {"intention"}, "any"),
    ("dosing", {"dosing"}, "any"),
    ("integration", {"integration"}, "any"),
    ("care", {"care"}, "any"),
    ("continuity", {"continuity"}, "any"),
    # the FHIR mapping: reads every stage, knows no request (the views serve and audit it)
    ("fhir", {"fhir"}, "any"),
    # views that combine the stages; among themselves the cycle check keeps them a DAG
    ("views", {"patients", "portal", "lead", "home", "addenda", "notify", "printing"}, "any"),
    ("wiring", {"__init__", "blueprints", "cli", "models", "demo", "bench"}, "any"),
]
STAGES = ("intention", "dosing", "integration", "care")
STAGE_PRIVATE = ("routes", "services")  # what no other stage may import


def layer_of(node: str) -> int:
    for index, (_, nodes, _) in enumerate(LAYERS):
        if node in nodes:
            return index
    raise KeyError(f"tracker.{node} is in no layer: add it to LAYERS in tests/test_layers.py")


def _module_name(path: Path) -> str:
    parts = path.relative_to(TRACKER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def node_of(module: str) -> str:
    """tracker.dosing.routes -> dosing; tracker.rules -> rules; tracker -> __init__."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    if (TRACKER / parts[1]).is_dir():
        return parts[1]
    return parts[1]


def _is_type_checking(node: ast.AST) -> bool:
    """`if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:`."""
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def runtime_nodes(tree: ast.AST):
    """Every node of the tree except those under `if TYPE_CHECKING:`. Such imports never run:
    they name classes for annotations (a model's `Mapped[Intention | None]`, whose target the
    mapper already finds by name), so they add no dependency and no import cycle."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                stack.extend(child.orelse)  # an `else:` branch does run
            else:
                stack.append(child)


def imports(sources=None) -> list[tuple[str, str]]:
    """(importing module, imported module) for every `tracker` import under tracker/, or in
    `sources` ({module name: source text}) when given."""
    if sources is None:
        sources = {_module_name(path): path.read_text() for path in sorted(TRACKER.rglob("*.py"))}
    edges = []
    for source, text in sources.items():
        for node in runtime_nodes(ast.parse(text, filename=source)):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from tracker.dosing import services` names a module, not a package
                targets = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                assert not (isinstance(node, ast.ImportFrom) and node.level), \
                    f"{source}: use absolute imports"
                continue
            edges += [(source, target) for target in targets
                      if target == "tracker" or target.startswith("tracker.")]
    return edges


def node_edges(edges) -> set[tuple[str, str]]:
    return {(node_of(a), node_of(b)) for a, b in edges if node_of(a) != node_of(b)}


def find_cycle(graph_edges) -> list[str] | None:
    """A cycle as a path [a, b, ..., a], or None."""
    graph: dict[str, set[str]] = {}
    for a, b in graph_edges:
        graph.setdefault(a, set()).add(b)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def upward_edges(edges) -> list[str]:
    """Module imports that point to a higher layer."""
    return sorted(f"{a} -> {b} ({LAYERS[layer_of(node_of(a))][0]} must not import "
                  f"{LAYERS[layer_of(node_of(b))][0]})"
                  for a, b in edges if layer_of(node_of(b)) > layer_of(node_of(a)))


def stage_private_imports(edges) -> list[str]:
    """A stage importing another stage's routes or services (an import of the package alone
    counts too: `from tracker.dosing import services` reaches tracker.dosing.services)."""
    bad = []
    for a, b in edges:
        src, dst = node_of(a), node_of(b)
        if (src in STAGES and dst in STAGES and src != dst
                and any(part in STAGE_PRIVATE for part in b.split(".")[2:])):
            bad.append(f"{a} -> {b}")
    return sorted(bad)


def test_every_package_has_a_layer():
    for _, target in imports():
        layer_of(node_of(target))
    for path in TRACKER.iterdir():
        if path.name.endswith(".py") or (path.is_dir() and (path / "__init__.py").exists()):
            layer_of(path.stem if path.suffix else path.name)


def test_the_package_graph_has_no_cycle():
    cycle = find_cycle(node_edges(imports()))
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle)


def test_imports_point_down_the_layers():
    assert upward_edges(imports()) == []


def test_no_stage_imports_another_stages_routes_or_services():
    assert stage_private_imports(imports()) == []


def test_the_checks_catch_bad_edges():
    """The checks above must be able to fail: feed them edges the architecture forbids."""
    assert find_cycle({("dosing", "core"), ("core", "access"), ("access", "dosing")}) == [
        "access", "dosing", "core", "access"]
    assert find_cycle({("care", "core"), ("dosing", "core")}) is None
    up = upward_edges([("tracker.core.access", "tracker.patients.queries"),
                       ("tracker.dosing.services", "tracker.care.flags"),
                       ("tracker.care.queries", "tracker.dosing.queries")])
    assert up == ["tracker.core.access -> tracker.patients.queries (core must not import views)",
                  "tracker.dosing.services -> tracker.care.flags (dosing must not import care)"]
    assert stage_private_imports([("tracker.integration.routes", "tracker.dosing.routes.bp"),
                                  ("tracker.care.forms", "tracker.dosing.services"),
                                  ("tracker.care.queries", "tracker.dosing.models.Discharge"),
                                  ("tracker.care.forms", "tracker.care.services")]) == [
        "tracker.care.forms -> tracker.dosing.services",
        "tracker.integration.routes -> tracker.dosing.routes.bp"]
    with pytest.raises(KeyError):
        layer_of("utils")
    typed_only = ("from typing import TYPE_CHECKING\n"
                  "from tracker.db import Base\n"
                  "if TYPE_CHECKING:\n    from tracker.dosing.models import SessionNote\n"
                  "else:\n    from tracker.care import models\n")
    assert sorted(imports({"tracker.core.sessions": typed_only})) == [
        ("tracker.core.sessions", "tracker.care.models"),
        ("tracker.core.sessions", "tracker.db.Base")]
    assert len(imports()) > 100  # the parser found the real imports
