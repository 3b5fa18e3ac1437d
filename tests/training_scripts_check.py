"""Can every training/ script still run on today's code? (session 23; run by
tests/test_training_runnable.py in a subprocess of its own, so the scripts' sys.path changes,
environment and Qt stay out of the test process.)

    PYTHONPATH=. python tests/training_scripts_check.py [SCRIPT ...]

For each script of training/ (all when none is named; a name is a file of training/, a path any
script, whose sibling imports are still looked up in training/):

- names: every `from geolocator... import NAME` and `from SIBLING import NAME` in it, at any depth
  (inside functions too, where no import or --help reaches), must resolve: the module imports and
  holds NAME (or NAME is its submodule); a training/ sibling must define NAME at its top level
  (read from its source, not run). Every `MODULE.attr` on a geolocator module bound by an import
  must exist too. A rename in geolocator/core then breaks this check instead of the reproduction.
- --help: a script with a `__main__` block that builds an argparse parser is run as `__main__` with
  `--help`; it must exit 0 and print its usage. Its whole module level and every import above
  its parser run, none of its work (each such main() parses its arguments before doing anything).
- import: a script with a `__main__` block and no parser (it reads sys.argv itself) is imported
  under another name, which runs its module level but not its work.
- a script without a `__main__` block whose module level does more than define things (the hand
  mutant lists run their mutants on import) is not run at all: its names are checked only.

Prints one JSON object: {"checked": [script names], "failures": {script: [reasons]}}; exit status 0.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import json
import os
import runpy
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "training"


def _is_main_guard(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)


def _defines_only(tree: ast.Module) -> bool:
    """True when the module level only imports, defines and assigns (and reads no sys.argv)."""
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Assign, ast.AnnAssign)):
            return False
        if "sys.argv" in ast.unparse(node) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
    return True


def _top_level_names(path: Path) -> set[str]:
    """Names a module defines at its top level (functions, classes, assignments, imports), from its source."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _resolve(module: str, name: str) -> bool:
    mod = importlib.import_module(module)
    if hasattr(mod, name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
        return True
    except ImportError:
        return False


def check_names(path: Path) -> list[str]:
    """Reasons the names `path` imports from geolocator or a training/ sibling do not resolve."""
    problems: list[str] = []
    tree = ast.parse(path.read_text())
    modules: dict[str, object] = {}  # local name -> geolocator module object bound by an import
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "geolocator":
                    continue
                try:
                    mod = importlib.import_module(alias.name)
                except Exception as exc:  # noqa: BLE001 - any failure to import is the finding
                    problems.append(f"line {node.lineno}: import {alias.name}: {type(exc).__name__}: {exc}")
                    continue
                if alias.asname:
                    modules[alias.asname] = mod
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top == "geolocator":
                try:
                    importlib.import_module(node.module)
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"line {node.lineno}: from {node.module}: {type(exc).__name__}: {exc}")
                    continue
                for alias in node.names:
                    if not _resolve(node.module, alias.name):
                        problems.append(f"line {node.lineno}: {node.module} has no {alias.name}")
                        continue
                    value = getattr(importlib.import_module(node.module), alias.name, None)
                    if value is None or type(value).__name__ == "module":
                        modules[alias.asname or alias.name] = value or importlib.import_module(
                            f"{node.module}.{alias.name}")
            elif (TRAINING / f"{node.module}.py").is_file():
                defined = _top_level_names(TRAINING / f"{node.module}.py")
                for alias in node.names:
                    if alias.name != "*" and alias.name not in defined:
                        problems.append(f"line {node.lineno}: training/{node.module}.py defines no {alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and not hasattr(modules[node.value.id], node.attr)):
            problems.append(f"line {node.lineno}: {modules[node.value.id].__name__} has no {node.attr}")
    return problems


def run_script(path: Path, tree: ast.Module) -> list[str]:
    """Run the script's --help (argparse scripts) or import it; [] when it went as it should."""
    has_main = any(_is_main_guard(node) for node in tree.body)
    source = path.read_text()
    parser = "argparse" in source and ("parse_args" in source or "parse_known_args" in source)
    if not has_main and not _defines_only(tree):
        return []  # works at import: its names are checked only
    as_main = has_main and parser
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv[:]
    sys.argv = [str(path), "--help"] if as_main else [str(path)]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(str(path), run_name="__main__" if as_main else f"training_check_{path.stem}")
    except SystemExit as exc:
        if not as_main or exc.code not in (0, None):
            return [f"exited with {exc.code!r}: {err.getvalue()[-500:]}"]
    except BaseException as exc:  # noqa: BLE001 - anything escaping is the finding
        tb = traceback.format_exception(exc)
        return [f"{'--help' if as_main else 'import'} raised {type(exc).__name__}: {exc} ({''.join(tb[-2:])[-600:]})"]
    finally:
        sys.argv = argv
    if as_main and "usage:" not in out.getvalue():
        return ["--help printed no usage (did it run its work instead?)"]
    return []


def main(names: list[str]) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path[:0] = [str(TRAINING), str(ROOT)]  # as when run as `python training/X.py` with PYTHONPATH=.
    paths = [TRAINING / n if Path(n).name == n else Path(n) for n in names] if names else sorted(TRAINING.glob("*.py"))
    failures: dict[str, list[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text(), str(path))  # a syntax error fails the whole check loudly
        problems = check_names(path) + run_script(path, tree)
        if problems:
            failures[path.name] = problems
    print(json.dumps({"checked": [p.name for p in paths], "failures": failures}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
