"""The floor plan: wings import downwards only, no module imports itself back, none is too big.

The graph is built from the source with ``ast``, every ``import`` counted, those inside
functions too: an import that is deferred is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The wings from the bottom up: each may import only from itself and those before it.
WINGS = ("kernels", "sim.io", "sim.stats", "sim.inputs", "sim.prices", "sim.simulation", "sim.results",
         "sim.report", "sim.compare", "sim.pipeline", "sim.portfolio", "sim.sweep", "sim.calibrate", "sim.cli", "sim")
LARGEST = 600  # lines a module may have


def modules():
    """Every module of sim/ and kernels/ by dotted name, with its path."""
    found = {}
    for package in ("sim", "kernels"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path, known):
    """The project's modules that the module at ``path`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from sim.report import pictures`` imports the module sim.report.pictures
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                     for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def graph():
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def wing(module):
    return max((w for w in WINGS if module == w or module.startswith(w + ".")), key=len)


def cycle(edges):
    """A list of modules that import each other round, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for after in sorted(edges[node]):
            if state.get(after) == "open":
                return trail[trail.index(after):] + [after]
            if after not in state:
                found = visit(after, trail + [after])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_module_imports_itself_back():
    assert cycle(graph()) is None


def test_a_cycle_is_found_when_there_is_one():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_wings_import_downwards_only():
    upward = [f"{module} -> {target}" for module, targets in graph().items() for target in targets
              if WINGS.index(wing(target)) > WINGS.index(wing(module))]
    assert upward == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_too_big_to_read_in_one_sitting(name):
    assert len(modules()[name].read_text().splitlines()) <= LARGEST
