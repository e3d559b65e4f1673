"""The control plane under ``/_emulator/``: the same operations as the Python methods, over HTTP.

The routes are the table the route modules fill (``@control(method, pattern)`` in `_table`);
docs/emulator.md lists them for people. A path without a route, or a method a path does not
take, is a JSON 404; unreadable arguments are a JSON 400.
"""

from . import contacts, files, pages, state
from ._table import handle_control

__all__ = ["contacts", "files", "handle_control", "pages", "state"]
