"""The settings of the site bench/forms.py serves with ``runserver``: the demo's, amended.

- the demo's SQLite file (DEMO_DB_PATH) and its "newsletter" form; DEBUG off (no query log
  growing through thousands of posts); the visitor limits off (one machine posts them all);
- the URLs are the demo's plus the naive baseline's form handler (:mod:`bench.forms_urls`);
- ``BENCH_NO_LIMITER=1``: the module's client skips its rate limiter (Selzy's 300 subscribe
  calls a minute), to measure what the queue itself costs.
"""

from __future__ import annotations

import os

from demo_site.settings import *  # noqa: F403 - the demo's settings, amended below
from demo_site.settings import SELZY as DEMO_SELZY

DEBUG = False
ROOT_URLCONF = "bench.forms_urls"
SELZY = {
    **DEMO_SELZY,
    "TASK_RUNNER": "thread",
    "SIGNUP_LIMIT_PER_IP": (0, 0),
    "SIGNUP_LIMIT_PER_EMAIL": (0, 0),
}
if os.environ.get("BENCH_NO_LIMITER") == "1":
    SELZY["CLIENT_FACTORY"] = "bench.forms_urls.unmetered_client"
