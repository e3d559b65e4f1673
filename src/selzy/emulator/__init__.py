"""A stateful, faithful emulator of the Selzy API (standard library + selzy.protocol only).

In-process::

    emulator = Emulator()
    account = emulator.seed_account("test-key")
    client = httpx.Client(transport=httpx.MockTransport(as_httpx_handler(emulator)),
                          base_url="https://api.selzy.com")

Over HTTP: ``with ThreadedEmulatorServer() as server: ... server.url ...``; or `serve()`.
"""

from ._acts import ActRefused
from ._adapters import as_httpx_handler, make_wsgi_app
from ._clock import Clock, FrozenClock, SystemClock
from ._core import Emulator
from ._delivery import OutcomeModel
from ._faults import Fault
from ._reply import Reply
from ._seed import SeededAccount
from ._server import ThreadedEmulatorServer, serve
from ._state import Letter
from ._webhooks import verify_webhook

__all__ = [
    "ActRefused",
    "Clock",
    "Emulator",
    "Fault",
    "FrozenClock",
    "Letter",
    "OutcomeModel",
    "Reply",
    "SeededAccount",
    "SystemClock",
    "ThreadedEmulatorServer",
    "as_httpx_handler",
    "make_wsgi_app",
    "serve",
    "verify_webhook",
]
