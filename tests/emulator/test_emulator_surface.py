"""The package's public surface, and its independence from the client (DESIGN: layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import selzy.emulator
from selzy.emulator._call import HANDLERS
from selzy.emulator._errors import ERROR_CLASSES
from selzy.protocol import ERROR_CODES, METHODS

PACKAGE = Path(selzy.emulator.__file__).parent
FORBIDDEN = ("selzy.client", "selzy.integration", "selzy.contrib", "selzy.cli", "httpx")


def test_all_is_sorted_and_complete() -> None:
    names = selzy.emulator.__all__
    assert names == sorted(names)
    public = {n for n in dir(selzy.emulator) if not n.startswith("_")}
    assert set(names) <= public
    assert {
        "Emulator",
        "ThreadedEmulatorServer",
        "as_httpx_handler",
        "make_wsgi_app",
        "serve",
    } <= set(names)


def test_every_catalogue_method_has_a_handler() -> None:
    assert set(HANDLERS) == set(METHODS)


def test_every_error_code_has_a_class() -> None:
    assert set(ERROR_CLASSES) == set(ERROR_CODES)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.module, id(node) in top))
    return out


def test_emulator_imports_only_stdlib_and_protocol() -> None:
    for path in PACKAGE.rglob("*.py"):
        for module, top_level in _imports(path):
            if module.startswith("selzy"):
                assert module.startswith("selzy.protocol"), (path, module)
            if module == "httpx" or module.startswith("httpx."):
                # Only the httpx adapter may import it, and only inside the function.
                assert path.name == "_adapters.py", path
                assert not top_level, path
            assert not module.startswith(FORBIDDEN) or module == "httpx", (path, module)
