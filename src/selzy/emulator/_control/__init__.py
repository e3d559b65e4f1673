"""The control plane under ``/_emulator/``: the same operations as the Python methods, over HTTP.

GET  /_emulator/                      index page (HTML)
POST /_emulator/reset                 forget everything
POST /_emulator/seed                  account with a known key (JSON or form fields)
GET  /_emulator/state                 JSON dump
GET  /_emulator/clock                 {"now": ...}
POST /_emulator/clock/advance         seconds=, minutes=, hours=, days=
GET  /_emulator/faults                installed fault rules
POST /_emulator/faults                add one (kind, method, code, status, seconds, share,
                                      times, after)
POST /_emulator/faults/clear          remove all (DELETE /_emulator/faults too)
POST /_emulator/rate-limits           enabled=0|1
GET  /_emulator/outbox                letters as HTML; /outbox.json; /outbox/<id> one letter
GET  /_emulator/confirm/<token>       a confirmation link (sender, opt-in, registration)
GET  /_emulator/files/<name>          export files; PUT/POST stores one (for contacts_url)
GET  /_emulator/webhooks              webhook delivery log (JSON)
GET  /_emulator/web/<campaign_id>     a campaign letter's web version
GET  /_emulator/attachments/<message_id>/<name>

Routes shown with GET answer any method, except ``faults``. A path without a route, or a
method a path does not take, is a JSON 404; unreadable arguments are a JSON 400.

One module per kind of route; importing them fills the table in `_table`.
"""

from . import files, pages, state
from ._table import handle_control

__all__ = ["files", "handle_control", "pages", "state"]
