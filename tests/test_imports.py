"""Who imports whom: import-linter's contracts hold, and no module imports one that imports it back.

The contracts are in pyproject.toml ([tool.importlinter]). import-linter reads packages
only, and its circle rule looks inside one package at a time; so this file also reads
every module's imports itself, at the top of a file and inside functions alike (an
import moved into a function to get around a circle is still a circle), finds circles
between any two modules of the tree, and holds the modules at the root to the rule
that only app.py, which wires the rooms together, imports ivr.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Circles still to be taken apart (none now). A circle not listed here fails
# the test, and so does a listed one that is gone (delete it from the list then).
KNOWN_CIRCLES: list[set[str]] = []
# The one module at the root that may import ivr: it builds the app from all the rooms.
ROOT_MODULES_THAT_IMPORT_IVR = {"app"}


def modules(root: Path) -> dict[str, Path]:
    """Every module of the product: the .py files at the root and in each package there."""
    found = {path.stem: path for path in root.glob("*.py")}
    for init in root.glob("*/__init__.py"):
        for path in init.parent.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of the tree it imports anywhere in its file."""
    known = modules(root)
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                wanted = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                # `from pkg import mod` imports the module pkg.mod, `from pkg import name` pkg
                wanted = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                          for alias in node.names]
            else:
                continue
            for target in wanted:
                while target and target not in known:  # a.b.name -> a.b
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import each other round in a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.get(module, ()):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_import_contracts_in_pyproject_hold():
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as lint; lint()",
         "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_module_imports_one_that_imports_it_back():
    found = circles(imports(ROOT))
    new = [sorted(group) for group in found if group not in KNOWN_CIRCLES]
    gone = [sorted(group) for group in KNOWN_CIRCLES if group not in found]
    assert not new, f"import circles: {new}"
    assert not gone, f"these circles are gone: delete them from KNOWN_CIRCLES: {gone}"


def test_of_the_modules_at_the_root_only_app_imports_ivr():
    graph = imports(ROOT)
    at_root = {name for name, path in modules(ROOT).items() if path.parent == ROOT}
    importers = {name for name in at_root
                 if any(target.split(".")[0] == "ivr" for target in graph[name])}
    assert importers <= ROOT_MODULES_THAT_IMPORT_IVR, importers - ROOT_MODULES_THAT_IMPORT_IVR


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "orders.py").write_text("from .stock import reserve\n")
    (tmp_path / "shop" / "stock.py").write_text(
        "def reserve():\n    from shop.orders import place  # 'to get around the circle'\n")
    (tmp_path / "shop" / "prices.py").write_text("from shop import orders\n")
    (tmp_path / "tool.py").write_text("import shop.prices\n")
    graph = imports(tmp_path)
    assert graph["shop.prices"] == {"shop.orders"} and graph["tool"] == {"shop.prices"}
    assert circles(graph) == [{"shop.orders", "shop.stock"}]
