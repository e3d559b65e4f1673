"""An async task's result file, downloaded piece by piece (``stream_task_file``), sync and async.

Against the emulator (in process, and over a real socket for the chunking), and against
transports that fail the way networks do: a status other than 200, a connection refused, one
that drops part-way. The API key never goes with the download and never shows in its errors.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import selzy
from selzy.client._files import FILE_DOWNLOAD
from selzy.emulator import Emulator, ThreadedEmulatorServer, as_httpx_handler
from selzy.testing import TEST_API_KEY, async_client_for, client_for, make_emulator
from selzy.types import TaskResult

FLAVOURS = ["sync", "async"]
Handler = Callable[[httpx.Request], httpx.Response]


def download(flavour: str, client: Any, task: TaskResult | str, **options: Any) -> list[bytes]:
    """Every chunk of the file, read through the flavour's own context manager and loop; the
    client is closed afterwards (in the same event loop)."""
    if flavour == "sync":
        with client, client.stream_task_file(task, **options) as chunks:
            return list(chunks)

    async def read() -> list[bytes]:
        async with client, client.stream_task_file(task, **options) as chunks:
            return [chunk async for chunk in chunks]

    return asyncio.run(read())


def client_with(flavour: str, handler: Handler) -> Any:
    if flavour == "sync":
        return selzy.Selzy(TEST_API_KEY, platform="Tests", transport=httpx.MockTransport(handler))

    async def async_handler(request: httpx.Request) -> httpx.Response:
        return handler(request)

    return selzy.AsyncSelzy(
        TEST_API_KEY, platform="Tests", transport=httpx.MockTransport(async_handler)
    )


def exported_task(emulator: Emulator, contacts: int) -> TaskResult:
    """An export of ``contacts`` contacts, some with Cyrillic names, finished."""
    with client_for(emulator) as client:
        list_id = client.get_lists()[0].id
        for first in range(0, contacts, 500):
            client.import_contacts(
                field_names=["email", "Name", "email_list_ids"],
                data=[
                    [f"c{i}@example.com", f"Контакт {i} 🙂", list_id]
                    for i in range(first, min(first + 500, contacts))
                ],
            )
        started = client.export_contacts(list_id=list_id, field_names=["email", "Name"])
        return client.wait_for_task(started.task_uuid, poll_interval=1.0, timeout=0)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_export_file_arrives_whole_in_chunks(flavour: str) -> None:
    emulator = make_emulator(fields={"Name": "string"})
    task = exported_task(emulator, 1200)
    seen: list[httpx.Request] = []
    serve = as_httpx_handler(emulator)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        response: httpx.Response = serve(request)
        return response

    chunks = download(flavour, client_with(flavour, handler), task, chunk_size=4096)
    text = b"".join(chunks).decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "email,Name"
    assert len(lines) == 1201
    assert "c1199@example.com,Контакт 1199 🙂" in lines
    assert len(chunks) > 10
    assert max(len(chunk) for chunk in chunks) <= 4096
    # The key does not travel with the download: a plain GET of the URL Selzy gave.
    (request,) = seen
    assert request.method == "GET"
    assert str(request.url) == task.file_to_download
    assert TEST_API_KEY not in str(request.url) + repr(request.headers) + request.read().decode()
    # The URL alone works too.
    again = download(flavour, client_with(flavour, handler), str(task.file_to_download))
    assert b"".join(again) == text.encode()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_over_a_socket_the_file_streams(flavour: str) -> None:
    """A 2 MB file stored in the emulator's server, read in 64 KB pieces over real HTTP."""
    big = b"email\r\n" + b"".join(f"person{i}@example.com\r\n".encode() for i in range(80_000))
    with ThreadedEmulatorServer(Emulator()) as server:
        stored = httpx.put(f"{server.url}/_emulator/files/big.csv", content=big).json()
        client_type = selzy.Selzy if flavour == "sync" else selzy.AsyncSelzy
        client = client_type(TEST_API_KEY, platform="Tests", base_url=server.url)
        chunks = download(flavour, client, stored["url"])
    assert b"".join(chunks) == big
    assert len(chunks) >= len(big) // (64 * 1024)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_missing_file_is_an_http_status_error_naming_no_token(flavour: str) -> None:
    emulator = Emulator()
    client = (client_for if flavour == "sync" else async_client_for)(emulator)
    url = "https://api.selzy.com/_emulator/files/gone.csv?token=s3cret-download-token"
    with pytest.raises(selzy.APIStatusError) as info:
        download(flavour, client, url)
    error = info.value
    assert error.status_code == 404
    assert error.method == FILE_DOWNLOAD
    assert error.body == "no such file"
    assert "https://api.selzy.com/_emulator/files/gone.csv" in str(error)
    assert "s3cret" not in str(error) + repr(vars(error))


def _broken_stream(flavour: str) -> Any:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"email,email_status\r\n"
            yield b"ann@example.com,active\r\n"
            raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    class AsyncBroken(httpx.AsyncByteStream):
        async def __aiter__(self) -> Any:
            for piece in Broken():
                yield piece

    return Broken() if flavour == "sync" else AsyncBroken()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_connection_dropped_part_way_is_a_connection_error(
    flavour: str, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=_broken_stream(flavour))

    client = client_with(flavour, handler)
    received: list[bytes] = []

    def read_some() -> None:
        if flavour == "sync":
            url = "https://files.example/x.csv?sig=abc"
            with client, client.stream_task_file(url, chunk_size=16) as chunks:
                received.extend(chunks)
            return

        async def read() -> None:
            url = "https://files.example/x.csv?sig=abc"
            async with client, client.stream_task_file(url, chunk_size=16) as chunks:
                async for chunk in chunks:
                    received.append(chunk)

        asyncio.run(read())

    with caplog.at_level(logging.DEBUG), pytest.raises(selzy.APIConnectionError) as info:
        read_some()
    assert b"".join(received).startswith(b"email,email_status\r\nann@")
    error = info.value
    assert error.method == FILE_DOWNLOAD
    assert "part-way through the file" in str(error)
    assert "RemoteProtocolError" in str(error)
    ours = "".join(r.getMessage() for r in caplog.records if r.name.startswith("selzy"))
    for text in (str(error), "".join(traceback.format_exception(error)), ours):
        assert "sig=abc" not in text
    assert TEST_API_KEY not in str(error) + caplog.text


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("failure", "error_type", "sent"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), selzy.APIConnectionError, False),
        (httpx.ReadTimeout("timed out"), selzy.APITimeoutError, True),
    ],
)
def test_a_download_that_never_starts(
    flavour: str, failure: Exception, error_type: type[Exception], sent: bool
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    client = client_with(flavour, handler)
    with pytest.raises(error_type) as info:
        download(flavour, client, "http://files.example/export.csv")
    assert "before the file started" in str(info.value)
    assert isinstance(info.value, selzy.APIConnectionError)
    assert info.value.request_sent is sent


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_server_echoing_the_key_in_an_error_page_has_it_redacted(flavour: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, content=f"<h1>error for {TEST_API_KEY}</h1>".encode())

    with pytest.raises(selzy.APIStatusError) as info:
        download(flavour, client_with(flavour, handler), "http://files.example/export.csv")
    assert info.value.status_code == 500
    assert TEST_API_KEY not in info.value.body
    assert "***" in info.value.body


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    ("task", "message"),
    [
        (TaskResult(task_uuid="t-1", status="processing"), "no file to download yet"),
        (TaskResult(task_uuid="t-2", status="completed"), "no file to download yet"),
        ("ftp://files.example/export.csv", "http"),
        ("/relative/export.csv", "http"),
    ],
)
def test_what_cannot_be_downloaded_is_refused_before_sending(
    flavour: str, task: TaskResult | str, message: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    with pytest.raises(selzy.ClientValidationError, match=message):
        download(flavour, client_with(flavour, handler), task)
