"""The shape of the code, checked from its source: no import cycles, no oversized modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("smsbot", "carriers")

#: The most lines a module of smsbot/ may have; carriers/ adapters may tell one carrier's
#: whole story in up to CARRIER_LIMIT.
LIMIT = 400
CARRIER_LIMIT = 600

#: Pure data tables may be longer: each with the reason it is one table, not logic.
DATA_TABLES: dict[str, str] = {}


def modules() -> Iterator[tuple[str, Path]]:
    """(dotted name, path) of every module of the packages."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            yield ".".join(parts), path


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of `known` that `name` imports anywhere in its source, TYPE_CHECKING
    and function-level imports included (`from a import b` counts a.b when b is a module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = dict(modules())
    known = set(paths)
    return {name: imported(name, path, known) for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(path_through(graph, set(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def path_through(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A readable cycle inside `component`: a -> b -> ... -> a."""
    start = min(component)
    trail = [start]
    seen = {start}
    node = start
    while True:
        following = sorted(graph[node] & component)
        back = [target for target in following if target == start]
        if back and len(trail) > 1:
            return [*trail, start]
        fresh = [target for target in following if target not in seen]
        if not fresh:
            return [*trail, following[0]]
        node = fresh[0]
        trail.append(node)
        seen.add(node)


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_type_checking_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from smsbot.tracking import Status\n"
        "def f() -> None:\n    from . import sibling\n"
    )
    known = {"pkg.mod", "pkg.sibling", "smsbot.tracking"}
    assert imported("pkg.mod", source, known) == {"smsbot.tracking", "pkg.sibling"}


def lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_modules_stay_small() -> None:
    too_long = []
    for _name, path in modules():
        where = path.relative_to(ROOT).as_posix()
        limit = CARRIER_LIMIT if where.startswith("carriers/") else LIMIT
        if where in DATA_TABLES:
            continue
        if lines(path) > limit:
            too_long.append(f"{where}: {lines(path)} lines (at most {limit})")
    assert not too_long, "split these modules:\n" + "\n".join(too_long)


def test_the_data_table_list_holds_only_what_it_must() -> None:
    for where, reason in DATA_TABLES.items():
        assert (ROOT / where).exists(), f"{where} is gone: remove it from DATA_TABLES"
        assert reason.strip(), f"{where}: say why it is a pure data table"


#: The modules every part may use: the adapter SDK, the settings and phone numbers.
FOUNDATION = {"results", "errors", "transport", "tracking", "config", "phones"}

#: Which parts each part may import besides FOUNDATION (docs/ARCHITECTURE.md draws the same
#: table). `lookup.detect` is a leaf of pure number formats, so it stands apart from the
#: gateway. A new part, or a new arrow between parts, is a decision made here on purpose.
ALLOWED: dict[str, set[str]] = {
    "zonedata": set(),
    "results": {"zonedata"},
    "errors": {"results"},
    "transport": {"errors"},
    "tracking": {"errors", "results", "transport"},
    "phones": set(),
    "config": {"errors"},
    "lookup.detect": set(),
    "orders": {"lookup.detect"},
    "store": {"orders"},
    "eta": {"orders", "store"},
    "view": {"orders", "store", "eta"},
    "wording": {"view", "orders", "eta"},
    "metrics": {"store"},
    "lookup": {"store", "orders", "view", "wording", "lookup.detect", "metrics"},
    "channels": {"orders", "lookup.detect"},
    "dialog": {"channels", "lookup", "orders", "store", "view", "wording", "metrics", "eta"},
    "watch": {"channels", "lookup", "mail", "orders", "store", "view", "wording", "metrics", "eta"},
    "mail": {"orders", "store", "view", "wording"},
    "maintenance": {"store"},
    "services": {
        "channels",
        "dialog",
        "eta",
        "lookup",
        "maintenance",
        "orders",
        "store",
        "watch",
        "smsbot",
        "spool",
    },
    "background": {"services", "shops", "handoff"},
    "web": {
        "api",
        "background",
        "channels",
        "dialog",
        "orders",
        "page",
        "services",
        "shops",
        "store",
        "view",
        "wording",
        "metrics",
        "admin",
        "handoff",
        "checkout",
    },
    "api": {"services", "orders", "store", "view", "lookup.detect", "smsbot", "eta", "wording"},
    "shops": {"orders", "store", "lookup.detect"},
    "page": {"services", "view", "wording", "orders", "store", "metrics", "eta"},
    "handoff": {"store", "view", "wording", "orders", "metrics"},
    "checkout": {"eta", "wording", "view", "api", "page"},
    "admin": {"store", "view", "wording", "orders", "metrics", "eta"},
    "testing": {"lookup"},
    "scaffold": {"carriers", "lookup", "testing"},
    "carriers": set(),
    "spool": {"channels", "dialog", "store", "watch", "wording"},
}


def part(module: str) -> str:
    """The part of the architecture a module belongs to (its sub-package, or itself)."""
    if module == "smsbot.lookup.detect":
        return "lookup.detect"
    pieces = module.split(".")
    if pieces[0] == "carriers":
        return "carriers"
    return pieces[1] if len(pieces) > 1 else "smsbot"


def test_parts_import_only_the_parts_below_them() -> None:
    wrong = []
    for module, targets in import_graph().items():
        here = part(module)
        if here in ("cli", "__main__", "smsbot"):
            continue  # the command line and the package root may use anything
        if here not in ALLOWED:
            wrong.append(f"{module}: its part {here!r} has no row in ALLOWED")
            continue
        allowed = ALLOWED[here] | {here} | (FOUNDATION if here != "carriers" else set())
        if here == "carriers":
            allowed |= {"errors", "tracking"}
        wrong += [f"{module} -> {target}" for target in targets if part(target) not in allowed]
    assert not wrong, "imports across the architecture's layers:\n" + "\n".join(sorted(wrong))
