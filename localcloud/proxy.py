"""A proxy in front of a stand-in that can change its answers: what an odd server, a broken gateway or an attacker
in the path would send instead. Requests are forwarded unchanged (their signatures still verify upstream); the
answer coming back goes through :attr:`AnswerProxy.garble` first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Answer = tuple[int, dict[str, str], bytes]
"""(HTTP status, headers, body)."""
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class AnswerProxy:
    """Forwards every request to ``upstream`` and answers what :attr:`garble` makes of the real answer."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.garble: Callable[[Answer], Answer] = lambda answer: answer
        self.answers: list[Answer] = []
        """What the proxy sent back, in order."""
        self._client = httpx.Client(timeout=10.0)
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                real = proxy._client.request(self.command, proxy.upstream + self.path, headers=headers, content=body)
                answer = (real.status_code, {"Content-Type": real.headers.get("content-type", "")}, real.content)
                status, out_headers, out_body = proxy.garble(answer)
                proxy.answers.append((status, out_headers, out_body))
                self.send_response(status)
                for name, value in {**out_headers, "Content-Length": str(len(out_body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(out_body)

            do_GET = do_POST = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._client.close()
