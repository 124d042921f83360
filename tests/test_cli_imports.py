"""The command line uses only the library's public face (ARCHITECTURE.md, ``pydock/``'s row).

Every name a ``pydock/*.py`` module imports from another pydock package (the evaluator, the
store, the builders) must be public there: no leading underscore, and listed in that
module's ``__all__`` when it has one. Command modules do not import each other either; what
several commands share lives in ``cli_options.py`` / ``cli_output.py``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pydock

CLI_DIR = Path(pydock.__file__).parent
SHARED = {"pydock.cli_options", "pydock.cli_output", "pydock.error_report", "pydock.errors", "pydock.progress",
          "pydock.image_args", "pydock.oci_output",
          # start-up machinery rather than commands: the click group, the launcher and the warm server
          "pydock.cli", "pydock.launcher", "pydock.server", "pydock.server_child",
          "pydock.server_prefault"}  # fmt: skip


def _imports() -> list[tuple[str, int, str, str]]:
    """(file, line, module, name) of every ``from pydock… import name`` in ``pydock/*.py``."""
    found = []
    for f in sorted(CLI_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pydock"):
                found.extend((f.name, node.lineno, node.module, a.name) for a in node.names)
    return found


def test_the_cli_imports_only_public_library_names() -> None:
    imports = [i for i in _imports() if not i[2].startswith("pydock.") or "." in i[2][len("pydock.") :]]
    assert len(imports) > 50  # the walk found the commands' imports
    private = []
    for file, line, module, name in imports:
        mod = importlib.import_module(module)
        public = getattr(mod, "__all__", None)
        is_submodule = hasattr(mod, "__path__") and importlib.util.find_spec(f"{module}.{name}") is not None
        if name.startswith("_") or (public is not None and name not in public and not is_submodule):
            private.append(f"{file}:{line}: {module}.{name}")
    assert private == []


def test_commands_do_not_import_each_other() -> None:
    crossing = [
        f"{file}:{line}: {module}"
        for file, line, module, _name in _imports()
        if module.startswith("pydock.") and module.count(".") == 1 and module not in SHARED
        and (CLI_DIR / f"{module.split('.')[1]}.py").is_file()  # a module of pydock/, not a library package
    ]
    assert crossing == []
