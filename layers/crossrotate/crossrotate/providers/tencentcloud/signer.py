"""TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature, in the documented steps:
canonical request → string to sign → signature → Authorization header. Each step is public so that tests
can hold it to the published vector; the clock is injected for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator

import httpx

from ...ports import ApiCredentials

ALGORITHM = "TC3-HMAC-SHA256"
SIGNED_HEADERS = "content-type;host"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_date(timestamp: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def canonical_request(content_type: str, host: str, payload: bytes, method: str = "POST") -> str:
    canonical_headers = f"content-type:{content_type.strip()}\nhost:{host.strip()}\n"
    return "\n".join((method, "/", "", canonical_headers, SIGNED_HEADERS, sha256_hex(payload)))


def credential_scope(timestamp: int, service: str) -> str:
    return f"{utc_date(timestamp)}/{service}/tc3_request"


def string_to_sign(timestamp: int, service: str, canonical: str) -> str:
    return "\n".join((ALGORITHM, str(timestamp), credential_scope(timestamp, service), sha256_hex(canonical.encode())))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signature(secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    date_key = _hmac(("TC3" + secret_key).encode(), utc_date(timestamp))
    signing_key = _hmac(_hmac(date_key, service), "tc3_request")
    return hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(secret_id: str, timestamp: int, service: str, signed: str) -> str:
    return (
        f"{ALGORITHM} Credential={secret_id}/{credential_scope(timestamp, service)}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signed}"
    )


class TC3Auth(httpx.Auth):
    """Signs each request (each retry too, with a fresh timestamp) for ``service``."""

    requires_request_body = True

    def __init__(self, credentials: ApiCredentials, service: str, now: Callable[[], float] = time.time) -> None:
        self.credentials = credentials
        self.service = service
        self.now = now

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = int(self.now())
        request.headers["X-TC-Timestamp"] = str(timestamp)
        if self.credentials.token:
            request.headers["X-TC-Token"] = self.credentials.token
        canonical = canonical_request(request.headers["Content-Type"], request.headers["Host"], request.content)
        signed = signature(
            self.credentials.key_secret, timestamp, self.service, string_to_sign(timestamp, self.service, canonical)
        )
        request.headers["Authorization"] = authorization(self.credentials.key_id, timestamp, self.service, signed)
        yield request
