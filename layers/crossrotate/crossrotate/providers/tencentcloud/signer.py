"""TC3-HMAC-SHA256, Tencent Cloud API 3.0's request signature, in the documented steps: canonical request →
string to sign → signature → Authorization header, and :func:`signed_headers`, all a request adds. Each step is
public so that tests can hold it to the published vector; the time is given, for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import time

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


def signed_headers(
    credentials: ApiCredentials, service: str, timestamp: int, content_type: str, host: str, payload: bytes
) -> dict[str, str]:
    """What a request adds to carry its signature: ``X-TC-Timestamp``, ``X-TC-Token`` (temporary credentials)
    and ``Authorization``. Made for each attempt, with its own timestamp, before the request is built: the
    request is built once, with every header, as a bare client would."""
    canonical = canonical_request(content_type, host, payload)
    signed = signature(credentials.key_secret, timestamp, service, string_to_sign(timestamp, service, canonical))
    headers = {"X-TC-Timestamp": str(timestamp)}
    if credentials.token:
        headers["X-TC-Token"] = credentials.token
    headers["Authorization"] = authorization(credentials.key_id, timestamp, service, signed)
    return headers


def unsigned_headers(timestamp: int) -> dict[str, str]:
    """What an unsigned request adds (``Authorization: SKIP``, and the timestamp API 3.0 still requires): the
    form STS accepts for ``AssumeRoleWithWebIdentity``, whose token is the proof."""
    return {"X-TC-Timestamp": str(timestamp), "Authorization": "SKIP"}
