"""TC3-HMAC-SHA256 held to the published vector of Tencent Cloud's Signature v3 documentation, step by step."""

from __future__ import annotations

import pytest

from crossrotate.ports import ApiCredentials
from crossrotate.providers.tencentcloud import signer

SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TIMESTAMP = 1551113065
CONTENT_TYPE = "application/json; charset=utf-8"
HOST = "cvm.tencentcloudapi.com"
# 86 bytes with literal \u escapes, exactly as the documentation signs it.
BODY = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
BODY_HASH = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
CANONICAL_HASH = "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
SIGNATURE = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def test_body_hash() -> None:
    assert len(BODY) == 86
    assert signer.sha256_hex(BODY) == BODY_HASH


def test_canonical_request() -> None:
    canonical = signer.canonical_request(CONTENT_TYPE, HOST, BODY)
    assert canonical == f"POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{HOST}\n\ncontent-type;host\n{BODY_HASH}"
    assert signer.sha256_hex(canonical.encode()) == CANONICAL_HASH


def test_string_to_sign() -> None:
    canonical = signer.canonical_request(CONTENT_TYPE, HOST, BODY)
    expected = f"TC3-HMAC-SHA256\n{TIMESTAMP}\n2019-02-25/cvm/tc3_request\n{CANONICAL_HASH}"
    assert signer.string_to_sign(TIMESTAMP, "cvm", canonical) == expected


def test_signature() -> None:
    to_sign = signer.string_to_sign(TIMESTAMP, "cvm", signer.canonical_request(CONTENT_TYPE, HOST, BODY))
    assert signer.signature(SECRET_KEY, TIMESTAMP, "cvm", to_sign) == SIGNATURE


def test_authorization_header() -> None:
    assert signer.authorization(SECRET_ID, TIMESTAMP, "cvm", SIGNATURE) == (
        f"TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/cvm/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={SIGNATURE}"
    )


def test_signed_headers_are_the_vectors() -> None:
    added = signer.signed_headers(ApiCredentials(SECRET_ID, SECRET_KEY), "cvm", TIMESTAMP, CONTENT_TYPE, HOST, BODY)
    assert added == {
        "X-TC-Timestamp": str(TIMESTAMP),
        "Authorization": signer.authorization(SECRET_ID, TIMESTAMP, "cvm", SIGNATURE),
    }


def test_signed_headers_carry_the_session_token_of_temporary_credentials() -> None:
    credentials = ApiCredentials(SECRET_ID, SECRET_KEY, token="session-token")
    added = signer.signed_headers(credentials, "cvm", TIMESTAMP, CONTENT_TYPE, HOST, BODY)
    assert added["X-TC-Token"] == "session-token"
    assert added["Authorization"] == signer.authorization(SECRET_ID, TIMESTAMP, "cvm", SIGNATURE)  # not signed


@pytest.mark.parametrize(("now", "date"), [(1551139199, "2019-02-25"), (1551139200, "2019-02-26")])
def test_the_scope_date_is_the_utc_date_of_the_timestamp(now: int, date: str) -> None:
    added = signer.signed_headers(ApiCredentials(SECRET_ID, SECRET_KEY), "cvm", now, CONTENT_TYPE, HOST, BODY)
    assert f"/{date}/cvm/tc3_request" in added["Authorization"]


def test_credentials_repr_hides_the_key() -> None:
    shown = repr(ApiCredentials(SECRET_ID, SECRET_KEY, token="session-token"))
    assert SECRET_KEY not in shown
    assert "session-token" not in shown
