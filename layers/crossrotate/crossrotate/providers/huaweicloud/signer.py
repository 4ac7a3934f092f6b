"""SDK-HMAC-SHA256, Huawei Cloud's AK/SK request signature (API Gateway's "APIG" scheme, as huaweicloudsdkcore's
``signer.Signer`` makes it), in its steps: canonical request → string to sign → signature → Authorization header,
and :func:`signed_headers`, all a request adds. Each step is public so that tests can hold it to the vectors the
official SDK's signer produced (``make vectors``); the time is given, for the same reason.

Unlike TC3 and Alibaba's V3, the secret key signs the string directly (no derived key), the date is the
``X-Sdk-Date`` header (``20191115T033655Z``), and the canonical URI always ends in ``/``. Every header sent at
signing time is signed (the SDK skips names with ``_``; this function sends none).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote, unquote

from ...ports import ApiCredentials

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_PAYLOAD_HASH = hashlib.sha256(b"").hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sdk_date(timestamp: int) -> str:
    """``X-Sdk-Date``: basic ISO 8601 in UTC."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(timestamp))


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Each segment percent-encoded (after decoding), and a trailing ``/`` always."""
    uri = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query: Mapping[str, str]) -> str:
    """Sorted by name, names and values percent-encoded (``~`` kept)."""
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(query.items()))


def canonical_headers(headers: Mapping[str, str]) -> tuple[str, str]:
    """The canonical headers block and the signed-headers list, over every header given (names lower-cased,
    values trimmed)."""
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    names = sorted(lowered)
    return "".join(f"{name}:{lowered[name]}\n" for name in names), ";".join(names)


def canonical_request(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], payload: bytes
) -> str:
    block, signed = canonical_headers(headers)
    payload_hash = sha256_hex(payload) if payload else EMPTY_PAYLOAD_HASH
    return "\n".join((method.upper(), canonical_uri(path), canonical_query(query), block, signed, payload_hash))


def string_to_sign(date: str, canonical: str) -> str:
    return "\n".join((ALGORITHM, date, sha256_hex(canonical.encode())))


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def authorization(access_key: str, signed: str, signature_hex: str) -> str:
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={signed}, Signature={signature_hex}"


def signed_headers(
    credentials: ApiCredentials,
    timestamp: int,
    method: str,
    host: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    payload: bytes,
) -> dict[str, str]:
    """What a request adds to carry its signature: ``X-Sdk-Date``, ``X-Security-Token`` (temporary credentials)
    and ``Authorization``, signed with ``Host`` and the request's own ``headers`` (``Content-Type``,
    ``X-Project-Id``). Made for each attempt, with its own time, before the request is built."""
    added = {"X-Sdk-Date": sdk_date(timestamp)}
    if credentials.token:
        added["X-Security-Token"] = credentials.token
    to_sign = {"Host": host, **headers, **added}
    canonical = canonical_request(method, path, query, to_sign, payload)
    signed = canonical_headers(to_sign)[1]
    added["Authorization"] = authorization(
        credentials.key_id, signed, signature(credentials.key_secret, string_to_sign(added["X-Sdk-Date"], canonical))
    )
    return added
