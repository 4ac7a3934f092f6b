"""SDK-HMAC-SHA256 held to the published example of Huawei Cloud's API signing guide (devg-apisign,
api-sign-algorithm-002 to 005) step by step, and what each step must do to match huaweicloudsdkcore's signer (the
whole signature is also held to the SDK's own vectors in test_signing_vectors.py)."""

from __future__ import annotations

import hashlib
import hmac

from crossrotate.ports import ApiCredentials
from crossrotate.providers.huaweicloud import signer

TIMESTAMP = 1573788615  # 2019-11-15T03:30:15Z

# The guide's example: GET .../vpcs?limit=2&marker=..., no body (Content-Type application/json reproduces it).
ACCESS_KEY, SECRET_KEY = "QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
HOST, PATH = "service.region.example.com", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
QUERY = {"limit": "2", "marker": "13551d6b-755d-4757-b956-536f674975c0"}
EXAMPLE_DATE, EXAMPLE_TIMESTAMP = "20191115T033655Z", 1573789015
CANONICAL_HASH = "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
SIGNATURE = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
HEADERS = {"Content-Type": "application/json", "Host": HOST, "X-Sdk-Date": EXAMPLE_DATE}


def test_the_published_canonical_request() -> None:
    canonical = signer.canonical_request("GET", PATH, QUERY, HEADERS, b"")
    assert canonical == (
        f"GET\n{PATH}/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\ncontent-type:application/json\n"
        f"host:{HOST}\nx-sdk-date:{EXAMPLE_DATE}\n\ncontent-type;host;x-sdk-date\n{signer.EMPTY_PAYLOAD_HASH}"
    )
    assert signer.sha256_hex(canonical.encode()) == CANONICAL_HASH


def test_the_published_signature_and_authorization() -> None:
    to_sign = signer.string_to_sign(EXAMPLE_DATE, signer.canonical_request("GET", PATH, QUERY, HEADERS, b""))
    assert to_sign == f"SDK-HMAC-SHA256\n{EXAMPLE_DATE}\n{CANONICAL_HASH}"
    assert signer.signature(SECRET_KEY, to_sign) == SIGNATURE
    added = signer.signed_headers(
        ApiCredentials(ACCESS_KEY, SECRET_KEY), EXAMPLE_TIMESTAMP, "GET", HOST, PATH, QUERY,
        {"Content-Type": "application/json"}, b"",
    )  # fmt: skip
    assert added == {
        "X-Sdk-Date": EXAMPLE_DATE,
        "Authorization": f"SDK-HMAC-SHA256 Access={ACCESS_KEY}, SignedHeaders=content-type;host;x-sdk-date, "
        f"Signature={SIGNATURE}",
    }


def test_sdk_date_is_basic_iso_8601_in_utc() -> None:
    assert signer.sdk_date(TIMESTAMP) == "20191115T033015Z"


def test_the_canonical_uri_always_ends_in_a_slash_and_encodes_each_segment() -> None:
    assert signer.canonical_uri("/v3/p/instances/i/db_user/resetpwd") == "/v3/p/instances/i/db_user/resetpwd/"
    assert signer.canonical_uri("/v3/projects/") == "/v3/projects/"
    assert signer.canonical_uri("/v3/a b/%E7%94%A8") == "/v3/a%20b/%E7%94%A8/"  # decoded, then encoded once


def test_the_canonical_query_is_sorted_and_percent_encoded_keeping_the_tilde() -> None:
    assert signer.canonical_query({"page": "1", "limit": "100", "name": "a+b ~/"}) == (
        "limit=100&name=a%2Bb%20~%2F&page=1"
    )
    assert signer.canonical_query({}) == ""


def test_headers_are_lower_cased_trimmed_sorted_and_all_signed() -> None:
    block, signed = signer.canonical_headers({"X-Sdk-Date": " 20191115T033015Z ", "Host": "rds.example", "A": "1"})
    assert block == "a:1\nhost:rds.example\nx-sdk-date:20191115T033015Z\n"
    assert signed == "a;host;x-sdk-date"


def test_an_empty_body_hashes_as_the_empty_string() -> None:
    canonical = signer.canonical_request("get", "/v3/projects", {"name": "r"}, {"Host": "iam.example"}, b"")
    assert canonical == (f"GET\n/v3/projects/\nname=r\nhost:iam.example\n\nhost\n{hashlib.sha256(b'').hexdigest()}")


def test_the_secret_key_signs_the_string_directly() -> None:
    to_sign = signer.string_to_sign("20191115T033015Z", "canonical")
    assert to_sign == f"SDK-HMAC-SHA256\n20191115T033015Z\n{hashlib.sha256(b'canonical').hexdigest()}"
    assert signer.signature("sk", to_sign) == hmac.new(b"sk", to_sign.encode(), hashlib.sha256).hexdigest()


def test_signed_headers_add_the_date_the_token_and_the_authorization_only() -> None:
    body = b'{"name":"u","password":"p"}'
    own = {"Content-Type": "application/json", "X-Project-Id": "p1"}
    key = signer.signed_headers(ApiCredentials("AK", "SK"), TIMESTAMP, "POST", "rds.example", "/v3/x", {}, own, body)
    assert set(key) == {"X-Sdk-Date", "Authorization"}
    assert "SignedHeaders=content-type;host;x-project-id;x-sdk-date," in key["Authorization"]
    temporary = ApiCredentials("AK", "SK", token="session")
    added = signer.signed_headers(temporary, TIMESTAMP, "POST", "rds.example", "/v3/x", {}, own, body)
    assert added["X-Security-Token"] == "session"
    assert "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token," in added["Authorization"]
    assert added["Authorization"] != key["Authorization"]
