"""Alibaba Cloud's V3 and RPC v1 signatures held to the published vectors, step by step."""

from __future__ import annotations

from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossrotate.ports import ApiCredentials
from crossrotate.providers.alibabacloud import signer

V1_SECRET = "testsecret"
V1_VECTORS = [
    (
        {
            "AccessKeyId": "testid",
            "Action": "DescribeRegions",
            "Format": "XML",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
            "SignatureVersion": "1.0",
            "Timestamp": "2016-02-23T12:46:24Z",
            "Version": "2014-05-26",
        },
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY=",
    ),
    (
        {
            "AccessKeyId": "testid",
            "Action": "DescribeDedicatedHosts",
            "Format": "JSON",
            "RegionId": "cn-beijing",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": "edb2b34af0af9a6d14deaf7c1a5315eb",
            "SignatureVersion": "1.0",
            "Timestamp": "2023-03-13T08:34:30Z",
            "Version": "2014-05-26",
        },
        "9NaGiOspFP5UPcwX8Iwt2YJXXuk=",
    ),
]
V1_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0"
    "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
)

V3_HOST = "ecs.cn-shanghai.aliyuncs.com"
V3_HEADERS = {
    "host": V3_HOST,
    "x-acs-action": "RunInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": signer.sha256_hex(b""),
}
V3_QUERY = [("ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"), ("RegionId", "cn-shanghai")]
V3_CANONICAL_HASH = "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
V3_SIGNATURE = "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("a b", "a%20b"),
        ("*", "%2A"),
        ("~-_.", "~-_."),
        ("P&ss+w=rd!", "P%26ss%2Bw%3Drd%21"),
        ("/", "%2F"),
        ("未命名", "%E6%9C%AA%E5%91%BD%E5%90%8D"),
    ],
)
def test_percent_encoding_is_rfc_3986(raw: str, encoded: str) -> None:
    assert signer.percent_encode(raw) == encoded


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    """A query string back into decoded pairs (``+`` is a literal plus, as RFC 3986 has it), as Alibaba reads it."""
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name), unquote(value)))
    return pairs


def test_query_pairs_round_trip_a_password_with_plus_and_ampersand() -> None:
    pairs = [("AccountPassword", "a+b&c=d e*"), ("AccountName", "app")]
    assert sorted(query_pairs(signer.canonical_query(pairs))) == sorted(pairs)


def test_v1_string_to_sign() -> None:
    assert signer.rpc_string_to_sign("GET", V1_VECTORS[0][0].items()) == V1_STRING_TO_SIGN


@pytest.mark.parametrize(("params", "signature"), V1_VECTORS)
def test_v1_signatures(params: dict[str, str], signature: str) -> None:
    to_sign = signer.rpc_string_to_sign("GET", params.items())
    assert signer.rpc_signature(V1_SECRET, to_sign) == signature


def test_v3_signed_headers_are_host_content_type_and_x_acs() -> None:
    headers = {**V3_HEADERS, "User-Agent": "x", "Accept": "application/json", "Content-Type": "text/plain"}
    assert signer.v3_signed_headers(headers) == ["content-type", "host", *sorted(k for k in V3_HEADERS if k != "host")]


def test_v3_canonical_request() -> None:
    query = signer.canonical_query(V3_QUERY)
    canonical = signer.v3_canonical_request(
        "POST", query, V3_HEADERS, signer.v3_signed_headers(V3_HEADERS), signer.sha256_hex(b"")
    )
    assert canonical.split("\n")[:3] == ["POST", "/", query]
    assert signer.sha256_hex(canonical.encode()) == V3_CANONICAL_HASH


def test_v3_string_to_sign_and_signature() -> None:
    query = signer.canonical_query(V3_QUERY)
    canonical = signer.v3_canonical_request(
        "POST", query, V3_HEADERS, signer.v3_signed_headers(V3_HEADERS), signer.sha256_hex(b"")
    )
    to_sign = signer.v3_string_to_sign(canonical)
    assert to_sign == f"ACS3-HMAC-SHA256\n{V3_CANONICAL_HASH}"
    assert signer.v3_signature("YourAccessKeySecret", to_sign) == V3_SIGNATURE


def test_v3_headers_are_the_vectors() -> None:
    credentials = ApiCredentials("YourAccessKeyId", "YourAccessKeySecret")
    moment = 1698315752.0  # 2023-10-26T10:22:32Z
    action = {"x-acs-action": "RunInstances", "x-acs-version": "2014-05-26"}
    query = signer.canonical_query(V3_QUERY)
    added = signer.v3_headers(credentials, V3_HOST, query, action, b"", moment, "3156853299f313e23d1673dc12e1703d")
    assert added["x-acs-date"] == "2023-10-26T10:22:32Z"
    assert added["Authorization"] == (
        "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,"
        "SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,"
        f"Signature={V3_SIGNATURE}"
    )
    assert "host" not in added  # httpx sends it from the URL
    assert "x-acs-security-token" not in added


def test_v3_headers_sign_the_sts_token() -> None:
    credentials = ApiCredentials("id", "secret", token="sts")
    added = signer.v3_headers(credentials, "rds.aliyuncs.com", "", {}, b"", 0.0, "n1")
    assert added["x-acs-security-token"] == "sts"
    assert "x-acs-security-token" in added["Authorization"]


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.text(min_size=1, max_size=12), st.text(max_size=40)), max_size=6))
def test_httpx_sends_the_canonical_query_as_it_is_signed(pairs: list[tuple[str, str]]) -> None:
    """V3 signs the query it is given; the request sends it unchanged (the signer no longer reads it back)."""
    query = signer.canonical_query(pairs)
    assert httpx.Request("POST", f"https://rds.aliyuncs.com/?{query}").url.query.decode() == query


def test_v1_query_adds_the_common_parameters_and_a_verifiable_signature() -> None:
    credentials = ApiCredentials("testid", V1_SECRET, token="sts")
    params = [("Action", "ResetAccountPassword"), ("AccountPassword", "a+b&c")]
    query = signer.v1_query(credentials, "POST", params, 0.0, "n1")
    sent = dict(query_pairs(httpx.Request("POST", f"https://rds.aliyuncs.com/?{query}").url.query.decode()))
    assert sent["AccountPassword"] == "a+b&c"
    assert (sent["Timestamp"], sent["SignatureNonce"], sent["SecurityToken"]) == ("1970-01-01T00:00:00Z", "n1", "sts")
    unsigned = [(k, v) for k, v in sent.items() if k != "Signature"]
    assert sent["Signature"] == signer.rpc_signature(V1_SECRET, signer.rpc_string_to_sign("POST", unsigned))


def test_each_v1_attempt_has_its_own_time_nonce_and_one_signature() -> None:
    credentials = ApiCredentials("testid", V1_SECRET)
    params = [("Action", "ResetAccountPassword"), ("AccountPassword", "a+b")]
    once = signer.v1_query(credentials, "POST", params, 0.0, "n1")
    again = dict(query_pairs(signer.v1_query(credentials, "POST", params, 60.0, "n2")))
    names = [name for name, _ in query_pairs(once)]
    assert sorted(names) == sorted(set(names)), "a parameter appears twice"
    assert (again["SignatureNonce"], again["Timestamp"]) == ("n2", "1970-01-01T00:01:00Z")
    assert again["Signature"] != dict(query_pairs(once))["Signature"]


def test_credentials_repr_hides_the_secret() -> None:
    shown = repr(ApiCredentials("id", "the-secret", token="the-token"))
    assert "the-secret" not in shown
    assert "the-token" not in shown
