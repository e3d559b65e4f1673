"""A real HTTP server around the emulator: threads, HTTP/1.1 keep-alive, clean start and stop."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ._clock import SystemClock
from ._core import DEFAULT_SEED, Emulator

#: Idle keep-alive connections are closed after this many seconds.
IDLE_TIMEOUT = 30.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY a keep-alive client
    # can wait ~40 ms for the delayed ACK on every call.
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        path, _, query = self.path.partition("?")
        body = self._read_body()
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        reply = self.server.emulator.handle(
            self.command,
            path,
            query.encode("latin-1"),
            dict(self.headers.items()),
            body,
            client_ip=self.client_address[0],
            base_url=f"http://{host}",
        )
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], emulator: Emulator, verbose: bool) -> None:
        self.emulator = emulator
        self.verbose = verbose
        self._conns: set[socket.socket] = set()
        self._conn_threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run, args=(request, client_address), daemon=True, name="selzy-emu-conn"
        )
        with self._lock:
            self._conn_threads.add(thread)
        thread.start()

    def _run(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._conn_threads.discard(threading.current_thread())

    def close_connections(self) -> list[threading.Thread]:
        """Wake every handler blocked on a keep-alive socket so its thread ends."""
        with self._lock:
            conns, threads = list(self._conns), list(self._conn_threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        return threads


class ThreadedEmulatorServer:
    """The emulator on a real port: ``with ThreadedEmulatorServer() as server: server.url``.

    ``port=0`` picks a free port. Without an `emulator`, a fresh `Emulator()` with the frozen
    default clock is used, so tests stay deterministic.
    """

    def __init__(
        self,
        emulator: Emulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
    ) -> None:
        self.emulator = emulator if emulator is not None else Emulator()
        self.host = host
        self.port = port
        self.verbose = verbose
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (valid once started)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> ThreadedEmulatorServer:
        """Bind and start serving in a background thread; returns self."""
        if self._server is not None:
            raise RuntimeError("the server is already started")
        server = _Server((self.host, self.port), self.emulator, self.verbose)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="selzy-emulator",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close open connections, wait for the threads; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        threads = server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        for t in threads:
            t.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ThreadedEmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8025,
    *,
    api_key: str | None = None,
    seed: int = DEFAULT_SEED,
    verbose: bool = True,
) -> None:
    """Run the emulator in the foreground until Ctrl-C (what ``selzy emulator serve`` calls).

    Time follows the wall clock (plus any ``/_emulator/clock/advance``). With `api_key`, an
    account with that key and `Emulator.seed_account`'s defaults (a list, a field, a confirmed
    sender) is seeded.
    """
    emulator = Emulator(seed=seed, clock=SystemClock())
    if api_key:
        emulator.seed_account(api_key)
    server = ThreadedEmulatorServer(emulator, host=host, port=port, verbose=verbose).start()
    sys.stderr.write(
        f"Selzy emulator on {server.url}  (API: {server.url}/en/api/<method>, "
        f"outbox: {server.url}/_emulator/outbox)  Ctrl-C stops it.\n"
    )
    try:
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
