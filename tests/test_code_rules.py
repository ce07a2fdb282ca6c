"""Rules of the house that keep the code base maintainable, checked on every `make test`.

* Only public APIs of other projects: no name with a leading underscore that another project
  defines (an attribute, a module or an imported name) is used anywhere in ``src/``, except the
  few listed in :data:`ALLOWED`, each with the reason. Speed or behaviour that rests on a private
  name breaks or changes silently on the dependency's next release.
* The conda environment names the same packages as ``pyproject.toml``, and the lock pins every
  one of them (``make check`` runs deptry for "every imported package is declared").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "reportkit"

# (expression as written, why it is allowed). Keep this short.
ALLOWED: dict[str, str] = {
    "os._exit": "documented public function of the standard library (exit a forked child "
                "without running the parent's clean-up)",
    "sys._getframe": "documented (CPython) standard-library function",
}

def _defined_here(trees: dict[Path, ast.AST]) -> set[str]:
    """Every private name reportkit defines itself (functions, classes, variables, attributes
    it assigns, parameters): using those is our own business."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return {n for n in names if n.startswith("_")}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(src: Path = SRC) -> list[tuple[str, str]]:
    """``(place, expression)`` for every use of another project's private name under ``src``."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(src.rglob("*.py"))}
    ours = _defined_here(trees)
    found: list[tuple[str, str]] = []
    for path, tree in trees.items():
        where = str(path.relative_to(src.parent))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] == "reportkit":
                    continue
                if any(_private(part) for part in node.module.split(".")):
                    found.append((f"{where}:{node.lineno}", f"from {node.module} import"))
                for alias in node.names:
                    if _private(alias.name):
                        found.append((f"{where}:{node.lineno}", f"{node.module}.{alias.name}"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append((f"{where}:{node.lineno}", f"import {alias.name}"))
            elif isinstance(node, ast.Attribute) and _private(node.attr):
                if node.attr in ours:
                    continue
                value = node.value
                if isinstance(value, ast.Name) and value.id in ("self", "cls"):
                    continue
                found.append((f"{where}:{node.lineno}", ast.unparse(node)))
    return found


def test_src_uses_no_private_name_of_another_project() -> None:
    bad = [f"{place}: {expr}" for place, expr in private_uses()
           if expr not in ALLOWED]
    assert not bad, "private names of other projects (use a public API):\n" + "\n".join(bad)


def test_the_private_name_scan_finds_what_it_should(tmp_path: Path) -> None:
    """The control: a module that reaches into matplotlib and openpyxl is caught; our own
    private helpers and ``self._x`` are not."""
    pkg = tmp_path / "reportkit"
    pkg.mkdir()
    (pkg / "m.py").write_text(
        "from openpyxl.worksheet._reader import WorkSheetParser\n"
        "from matplotlib import _api\n"
        "def _helper(fig):\n"
        "    r = fig._get_renderer()\n"
        "    return _helper, r\n"
        "class C:\n"
        "    def f(self):\n"
        "        self._x = 1\n"
        "        return self._x\n")
    found = {expr for _place, expr in private_uses(pkg)}
    assert found == {"from openpyxl.worksheet._reader import", "matplotlib._api",
                     "fig._get_renderer"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    return _norm(re.split(r"[<>=!~;\[ ]", spec.strip(), maxsplit=1)[0])


def _declared() -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {_requirement_name(s) for s in specs}


def test_environment_yml_names_the_same_packages_as_pyproject() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {_requirement_name(d) for d in env["dependencies"] if isinstance(d, str)}
    names -= {"python", "pip"}
    assert names == _declared()


def test_the_lock_pins_every_declared_package_with_hashes() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {_norm(m) for m in re.findall(r"^([A-Za-z0-9_.\-]+)==\S+ \\$", lock, re.M)}
    assert _declared() <= pinned
    assert lock.count("--hash=sha256:") >= len(pinned)


def test_every_csv_writer_goes_through_the_formula_safe_helper() -> None:
    """CSV files are opened in Excel: only ``reportkit.store.io`` writes them (formula cells
    neutralised there); nothing else calls ``to_csv`` or ``csv.writer``."""
    bad = []
    for path in SRC.rglob("*.py"):
        if path.relative_to(SRC).as_posix() == "store/io.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("to_csv", "writer") and (
                    node.attr == "to_csv" or ast.unparse(node.value) == "csv"):
                bad.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    assert bad == []


def test_file_locks_come_from_one_helper() -> None:
    """One way to hold a folder's lock (``reportkit.store.io.locked``); only the batch lock,
    which waits with a deadline and names the holder, calls ``fcntl.flock`` itself."""
    allowed = {"store/io.py", "batch/execute.py"}
    bad = []
    for path in SRC.rglob("*.py"):
        if path.relative_to(SRC).as_posix() in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "flock":
                bad.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    assert bad == []
