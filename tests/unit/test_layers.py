"""Imports run one way: foundation → config → store → domain → web → app, with no cycle between
packages. A new upward import or a new cycle fails here, naming the modules that make it.

Every import counts, also the ones inside functions: a deferred import is still a dependency."""

from __future__ import annotations

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hotline"

# Lowest first. A module may import its own layer and the layers below it.
LAYERS: list[set[str]] = [
    {"errors", "workhours", "background", "audio", "security", "phones", "spreadsheets", "safe_tar", "untrusted",
     "loop_lag", "events", "folding"},  # foundation: no hotline imports but these (events: the bus and the domain events)
    {"config", "settings", "credentials"},  # configuration as data
    {"store"},  # tables, engine, migrations
    # The domain, lowest first: what every feature uses, then tickets, then what works on tickets.
    {"cti", "notifications", "recordings", "documents", "applications", "knowledge", "dialplans", "edge", "nodes",
     "backups"},  # calls as Asterisk reports them, outboxes, recordings and speech, letters, sources
    {"places", "scorecards", "asterisk"},  # addresses, call reviews, Asterisk's own configuration
    {"ticketing"},  # tickets, their workflow, deadlines and notices
    {"agencies", "conversations", "ivr", "office", "reports", "privacy", "open311"},  # features on tickets
    {"outbound", "transfers"},  # calls the hotline makes: to citizens, to agencies
    {"callbacks"},  # calling citizens back (outbound calls from the IVR's requests)
    {"web", "agent_desktop", "public"},  # HTTP and WebSocket
    {"app", "cli", "accounts_cli", "edge_cli", "demo", "testing", "__main__", "__init__"},  # wiring and tools
]


def layer_of(part: str) -> int:
    for i, names in enumerate(LAYERS):
        if part in names:
            return i
    raise AssertionError(f"hotline/{part}: not in any layer of tests/unit/test_layers.py; place it there")


def imports_of(path: Path, root: Path = PACKAGE) -> set[str]:
    """The hotline modules a source file imports (absolute and relative, at any depth)."""
    rel = path.relative_to(root.parent).with_suffix("")
    here = list(rel.parts)
    if here[-1] == "__init__":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here if path.stem == "__init__" else here[:-1]
                base = base[: len(base) - (node.level - 1)]
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return {m for m in found if m == "hotline" or m.startswith("hotline.")}


def part_of(module: str) -> str | None:
    """hotline.store.tickets → store; hotline.app → app; hotline itself → None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def package_graph(root: Path = PACKAGE) -> dict[str, dict[str, set[str]]]:
    """{importing part: {imported part: {the files that import it}}}"""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        src = part_of(".".join(rel.with_suffix("").parts))
        if src is None:
            continue
        graph[src]  # every part is a node, also the ones that import nothing
        for module in imports_of(path, root):
            dst = part_of(module)
            if dst and dst != src:
                graph[src][dst].add(str(rel))
    return graph


def upward_imports(graph) -> list[str]:
    return [f"{', '.join(sorted(files))}: {src} (layer {layer_of(src)}) imports {dst} (layer {layer_of(dst)})"
            for src, targets in graph.items() for dst, files in targets.items()
            if layer_of(dst) > layer_of(src)]


def cycle_in(graph) -> list[str] | None:
    try:
        graphlib.TopologicalSorter({src: set(t) for src, t in graph.items()}).prepare()
    except graphlib.CycleError as e:
        return e.args[1]
    return None


def test_every_import_runs_downward():
    assert upward_imports(package_graph()) == []


def test_no_cycle_between_packages():
    graph = package_graph()
    cycle = cycle_in(graph)
    detail = cycle and [f"{a} → {b} in {sorted(graph[a][b])}" for a, b in zip(cycle, cycle[1:])]
    assert cycle is None, detail


def test_the_store_imports_nothing_above_it():
    graph = package_graph()
    # errors: the refusals; folding: the text the search indexes hold (their triggers fold it)
    assert set(graph["store"]) <= {"errors", "folding"}, graph["store"]


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path):
    # The checks above must be able to fail: a fabricated package tree with both faults.
    root = tmp_path / "hotline"
    for name, body in {"store/__init__.py": "from hotline.ticketing import handling\n",
                       "ticketing/__init__.py": "",
                       "ticketing/handling.py": "def f():\n    from ..store import x\n",
                       "ticketing/deadlines.py": "from hotline.transfers.service import TransferService\n",
                       "transfers/__init__.py": "",
                       "errors.py": ""}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)
    graph = package_graph(root)
    assert upward_imports(graph) == ["hotline/store/__init__.py: store (layer 2) imports ticketing (layer 5)",
                                     "hotline/ticketing/deadlines.py: ticketing (layer 5) imports transfers (layer 7)"]
    assert set(cycle_in(graph)) == {"store", "ticketing"}


def test_every_part_has_a_layer():
    for path in PACKAGE.iterdir():
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            layer_of(path.stem if path.suffix else path.name)
    with pytest.raises(AssertionError):
        layer_of("something_new")
