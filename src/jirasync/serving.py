"""Running ASGI apps on real sockets: the CLI's blocking `serve`, and `ServerThread`, which runs
an app on 127.0.0.1 in a background thread (tests, the demo, benchmarks).

The socket is bound before the app is built, so the app can know its own base URL (every
simulator puts it in `self` links) even when the port is chosen by the OS.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it every small response waits ~40 ms for
    # the client's delayed ACK (Nagle), measured at 44 ms per request against 0.6 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def socket_url(sock: socket.socket, scheme: str = "http") -> str:
    host, port = sock.getsockname()[:2]
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def _config(
    app: ASGIApp, log_level: str, log_config: dict[str, Any] | None = uvicorn.config.LOGGING_CONFIG
) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        log_config=log_config,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


def serve(
    app: ASGIApp,
    sock: socket.socket,
    log_level: str = "info",
    *,
    own_logging: bool = False,
) -> None:
    """Serve until interrupted (Ctrl-C / SIGTERM), then shut down gracefully.

    `own_logging`: the caller has configured logging; uvicorn must not replace it.
    """
    config = _config(app, log_level, None) if own_logging else _config(app, log_level)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])


class ServerThread:
    """Runs an ASGI app on a real socket in a daemon thread.

    Use as a context manager: ``with ServerThread(lambda url: make_app(url)) as server:``; the
    factory receives the base URL before the first request, ``server.url`` gives it to callers.
    ``sock``: a socket bound beforehand (several ports claimed at once before anything starts);
    the thread owns and closes it.
    """

    def __init__(
        self,
        app_factory: Callable[[str], ASGIApp],
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        sock: socket.socket | None = None,
    ) -> None:
        self._sock = sock if sock is not None else bind_socket(host, port)
        self.url = socket_url(self._sock)
        self.app = app_factory(self.url)
        self._server = uvicorn.Server(_config(self.app, log_level))
        self._thread = threading.Thread(target=self._run, name=f"server {self.url}", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve(sockets=[self._sock]))
        self.loop.close()

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"server at {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
