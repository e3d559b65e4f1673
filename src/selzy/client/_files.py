"""Downloading an async task's result file (sans I/O): which URL, and the errors it may end in.

An export or a delivery report (async/exportContacts, async/getCampaignDeliveryStats) ends in
a file whose address getTaskResult gives as ``file_to_download``. The file is fetched with a
plain ``GET`` of that address as Selzy gave it: the API key is never added to it (it is not an
API call), and no error or log line names more of it than its scheme, host and path, because a
signed download link carries its token in the query.

Failures follow the client's tree: an HTTP status other than 200 is an
:class:`~selzy.APIStatusError`, a connection that fails or drops part-way an
:class:`~selzy.APIConnectionError` (:class:`~selzy.APITimeoutError` for a timeout), each with
``method`` set to :data:`FILE_DOWNLOAD`. Nothing is retried: a file read part-way cannot be
resumed from where it broke, so the caller starts over (the reconciliation runs again later).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

import httpx

from selzy._version import __version__

from ._constants import USER_AGENT
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientValidationError,
)
from ._response import redact
from ._types._campaigns import TaskResult

#: ``method`` of the errors a download raises (it is no RPC method).
FILE_DOWNLOAD: Final = "file_to_download"
#: Bytes per chunk handed to the caller: large enough to keep the per-chunk cost low, small
#: enough that a 1M-contact export never sits in memory.
FILE_CHUNK_SIZE: Final = 64 * 1024
#: The download's headers: no key, no form; the API's own Accept would not fit a CSV file.
FILE_HEADERS: Final = {"Accept": "*/*", "User-Agent": f"{USER_AGENT}/{__version__}"}
#: How much of an error page is kept on the error, for diagnosis.
_PREVIEW_BYTES: Final = 300


def task_file_url(task: TaskResult | str) -> str:
    """The address to download: a completed task's ``file_to_download``, or a URL given as is."""
    if isinstance(task, TaskResult):
        if not task.completed or not task.file_to_download:
            raise ClientValidationError(
                f"Async task {task.task_uuid} has no file to download yet (status "
                f"{task.status!r}); wait for it with wait_for_task first"
            )
        url = task.file_to_download
    else:
        url = task
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ClientValidationError(
            f"A task file is downloaded from an http(s) URL, got {describe(url)!r}"
        )
    return url


def describe(url: str) -> str:
    """What errors and logs may say of a download address: scheme, host and path only."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return parts.path[:80]
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}" + (
        parts.path
    )


def status_error(url: str, status_code: int, preview: bytes, api_key: str | None) -> APIStatusError:
    """The error for a download answered with ``status_code`` instead of 200."""
    body = redact(preview[:_PREVIEW_BYTES].decode("utf-8", "replace"), api_key)
    return APIStatusError(
        f"Downloading the task file {describe(url)} failed: HTTP {status_code} (the link may "
        "have expired; start the task again)",
        method=FILE_DOWNLOAD,
        status_code=status_code,
        body=body,
    )


def transport_error(url: str, exc: httpx.TransportError, *, started: bool) -> APIConnectionError:
    """The error for a download whose connection failed (``started``: after bytes arrived)."""
    kind = type(exc).__name__
    detail = (str(exc) or kind).replace(url, describe(url))
    when = "part-way through the file" if started else "before the file started"
    message = f"Downloading the task file {describe(url)} failed {when}: {kind} ({detail})"
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return cls(message, method=FILE_DOWNLOAD, request_sent=sent)
