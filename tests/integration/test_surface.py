"""The package's public surface and its place in the layers (DESIGN: protocol < client <
integration < contrib): framework-neutral, so no Django, no CLI, no emulator."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import selzy.integration

from ..test_exports import isort_style

PACKAGE = Path(selzy.integration.__file__).parent
ALLOWED_SELZY = ("selzy.client", "selzy.protocol", "selzy.types")


def test_all_is_sorted_and_complete() -> None:
    names = selzy.integration.__all__
    assert names == sorted(names, key=isort_style)
    for name in names:
        assert hasattr(selzy.integration, name), name
    public = {
        n
        for n, v in vars(selzy.integration).items()
        if not n.startswith("_") and getattr(v, "__module__", "").startswith("selzy.integration")
    }
    assert public <= set(names)


def test_every_public_callable_has_a_docstring() -> None:
    for name in selzy.integration.__all__:
        value = getattr(selzy.integration, name)
        if callable(value) and getattr(value, "__module__", "").startswith("selzy.integration"):
            assert value.__doc__, name
            for attr, member in vars(value).items() if isinstance(value, type) else ():
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{name}.{attr}"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
    return out


def test_imports_only_the_client_the_protocol_and_the_standard_library() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        for module in _imports(path):
            top = module.split(".")[0]
            if top == "selzy":
                assert module.startswith(ALLOWED_SELZY), (path.name, module)
            else:
                assert top in sys.stdlib_module_names, (path.name, module)


def test_modules_stay_small() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert len(path.read_text().splitlines()) < 300, path.name
