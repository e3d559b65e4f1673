"""Defaults of the client, in one place (the retry and timeout knobs users ask about first)."""

from __future__ import annotations

from typing import Final

import httpx

#: importContacts is processed for up to 30 s after the server has the whole request (§1.7),
#: and createEmailMessage uploads up to 8 MB: a generous read timeout, a short connect timeout.
DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES: Final = 3
#: Exponential backoff: 0.5 s, 1 s, 2 s, ... capped, each multiplied by a jitter in [0.75, 1.0].
INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
#: After a rate-limit refusal the client waits for the next minute window, plus up to this jitter.
RATE_LIMIT_JITTER: Final = 1.0
#: Burst tokens of the client-side bucket; the refill rate is lowered by as much so that no
#: 60-second span ever carries more calls than the documented limit.
DEFAULT_BURST: Final = 10
USER_AGENT: Final = "selzy-connect"
