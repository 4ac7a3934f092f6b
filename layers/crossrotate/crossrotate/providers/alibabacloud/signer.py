"""Alibaba Cloud OpenAPI request signatures, in the documented steps, each public so tests can hold it to the
published vectors; clock and nonce are injected for the same reason.

- V3, ``ACS3-HMAC-SHA256`` (what the current official SDK sends): canonical request → string to sign →
  signature → ``Authorization`` header, and :func:`v3_headers`, all a request adds.
- RPC v1, ``HMAC-SHA1`` (the older SDK's): canonical query → string to sign → ``Signature`` parameter, and
  :func:`v1_query`, the whole query a request sends.

As for Tencent's, what a request adds is made for each attempt, with its own time and nonce, before the request is
built: every provider request is built signed (:func:`crossrotate.providers.http.send` sends it as it is).

Both encode with RFC 3986 (:func:`percent_encode`), built here by hand: passwords carry ``&``, ``+`` and
``=``, and a generic form encoder would write a space as ``+`` or leave ``*`` alone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from ...ports import ApiCredentials

V3_ALGORITHM = "ACS3-HMAC-SHA256"


def percent_encode(value: str) -> str:
    """RFC 3986 over UTF-8: only ``A-Z a-z 0-9 - _ . ~`` stay; the rest is ``%XY`` in upper-case hex."""
    return quote(value, safe="-_.~", encoding="utf-8")


def iso_timestamp(now: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))


def new_nonce() -> str:
    return uuid.uuid4().hex


def canonical_query(params: Iterable[tuple[str, str]]) -> str:
    """``enc(name)=enc(value)`` pairs sorted by encoded name, joined with ``&``: also the query string sent."""
    return "&".join(sorted(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- V3 ---------------------------------------------------------------------------------------------


def v3_signed_headers(headers: Mapping[str, str]) -> list[str]:
    """The headers V3 signs: host, content-type and every x-acs-*, lower-case and sorted."""
    names = {name.lower() for name in headers}
    return sorted(n for n in names if n in ("host", "content-type") or n.startswith("x-acs-"))


def v3_canonical_request(
    method: str, query: str, headers: Mapping[str, str], signed: list[str], payload_hash: str, path: str = "/"
) -> str:
    lowered = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered[name].strip()}\n" for name in signed)
    return "\n".join((method, path, query, canonical_headers, ";".join(signed), payload_hash))


def v3_string_to_sign(canonical: str) -> str:
    return f"{V3_ALGORITHM}\n{sha256_hex(canonical.encode())}"


def v3_signature(access_key_secret: str, to_sign: str) -> str:
    return hmac.new(access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def v3_authorization(access_key_id: str, signed: list[str], signature: str) -> str:
    return f"{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={';'.join(signed)},Signature={signature}"


def v3_headers(
    credentials: ApiCredentials,
    host: str,
    query: str,
    headers: Mapping[str, str],
    payload: bytes,
    now: float,
    nonce: str,
    method: str = "POST",
) -> dict[str, str]:
    """``headers`` (``x-acs-action``, ``x-acs-version``, a content type if there is a body) and what a V3
    signature adds to them: ``x-acs-date``, ``x-acs-signature-nonce``, ``x-acs-content-sha256``,
    ``x-acs-security-token`` (temporary credentials) and ``Authorization``. ``host`` is the ``Host`` header the
    request will carry and ``query`` its query string, already canonical (:func:`canonical_query`). Made for each
    attempt before the request is built: the request is built once, with every header, as a bare client would."""
    payload_hash = sha256_hex(payload)
    signing = {
        **headers,
        "host": host,
        "x-acs-date": iso_timestamp(now),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": payload_hash,
    }
    if credentials.token:
        signing["x-acs-security-token"] = credentials.token
    signed = v3_signed_headers(signing)
    canonical = v3_canonical_request(method, query, signing, signed, payload_hash)
    signature = v3_signature(credentials.key_secret, v3_string_to_sign(canonical))
    del signing["host"]  # httpx sends it, from the URL
    signing["Authorization"] = v3_authorization(credentials.key_id, signed, signature)
    return signing


# -- RPC v1 -----------------------------------------------------------------------------------------


def rpc_string_to_sign(method: str, params: Iterable[tuple[str, str]]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def rpc_signature(access_key_secret: str, to_sign: str) -> str:
    digest = hmac.new(f"{access_key_secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def rpc_common_params(credentials: ApiCredentials, now: float, nonce: str) -> dict[str, str]:
    params = {
        "Format": "JSON",
        "AccessKeyId": credentials.key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce,
        "Timestamp": iso_timestamp(now),
    }
    if credentials.token:
        params["SecurityToken"] = credentials.token
    return params


def v1_query(
    credentials: ApiCredentials, method: str, params: Iterable[tuple[str, str]], now: float, nonce: str
) -> str:
    """The query a v1 request sends: the action's parameters, the common ones and ``Signature``."""
    signed = [*params, *rpc_common_params(credentials, now, nonce).items()]
    signature = rpc_signature(credentials.key_secret, rpc_string_to_sign(method, signed))
    return canonical_query([*signed, ("Signature", signature)])
