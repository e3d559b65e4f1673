"""The public surface is deliberate: pin it, so additions and removals are seen in review."""

from __future__ import annotations

import selzy
import selzy.client
import selzy.protocol
import selzy.types


def isort_style(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions and dunders."""
    if name.isupper():
        return (0, name)
    if name[0].isupper():
        return (1, name)
    return (2, name)


def test_all_is_sorted_and_complete() -> None:
    for module in (selzy, selzy.client, selzy.protocol, selzy.types):
        assert module.__all__ == sorted(module.__all__, key=isort_style), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_root_exports_the_client_and_every_error() -> None:
    assert {"Selzy", "AsyncSelzy", "SelzyError", "APIError", "__version__"} <= set(selzy.__all__)
    errors = {
        name
        for name in selzy.client.__all__
        if isinstance(getattr(selzy.client, name), type)
        and issubclass(getattr(selzy.client, name), selzy.SelzyError)
    }
    assert errors <= set(selzy.__all__)


def test_sync_and_async_clients_have_the_same_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n in dir(cls) if not n.startswith("_")}

    assert public(selzy.Selzy) - {"close"} == public(selzy.AsyncSelzy) - {"aclose"}


def test_batched_import_belongs_to_the_integration_engine() -> None:
    """The client makes one importContacts call; splitting, resuming and reports are elsewhere."""
    removed = {"ImportAbortedError", "ImportReport", "ImportReportEntry"}
    for module in (selzy, selzy.client, selzy.types):
        assert removed.isdisjoint(module.__all__), module.__name__
    for cls in (selzy.Selzy, selzy.AsyncSelzy):
        assert hasattr(cls, "import_contacts")
        assert not hasattr(cls, "import_contacts_in_batches")
