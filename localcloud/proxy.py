"""A proxy in front of a stand-in that can change its answers: what an odd server, a broken gateway or an attacker
in the path would send instead. Requests are forwarded unchanged (their signatures still verify upstream); the
answer coming back goes through :attr:`AnswerProxy.garble` first.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from .base import LoopbackServer, QuietHandler

Answer = tuple[int, dict[str, str], bytes]
"""(HTTP status, headers, body)."""
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


class AnswerProxy(LoopbackServer):
    """Forwards every request to ``upstream`` and answers what :attr:`garble` makes of the real answer."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.garble: Callable[[Answer], Answer] = lambda answer: answer
        self.answers: list[Answer] = []
        """What the proxy sent back, in order."""
        self._client = httpx.Client(timeout=10.0)

    def start(self) -> str:
        proxy = self

        class Handler(QuietHandler):
            def _serve(self) -> None:
                body = self.read_body()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                real = proxy._client.request(self.command, proxy.upstream + self.path, headers=headers, content=body)
                answer = (real.status_code, {"Content-Type": real.headers.get("content-type", "")}, real.content)
                status, out_headers, out_body = proxy.garble(answer)
                proxy.answers.append((status, out_headers, out_body))
                self.reply(status, out_headers, out_body)

            do_GET = do_POST = _serve

        return self.serve(Handler)

    def stop(self) -> None:
        super().stop()
        self._client.close()
