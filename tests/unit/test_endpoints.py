from __future__ import annotations

import pytest

from crossrotate.endpoints import checked_endpoint
from crossrotate.errors import FatalRotationError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://postgres.internal.example.com", "https://postgres.internal.example.com"),
        ("https://vpc.example.com:8443/", "https://vpc.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_accepted_endpoints(url: str, expected: str) -> None:
    assert checked_endpoint(url, "X_ENDPOINT_URL") == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://postgres.example.com",
        "http://10.0.0.5:80",
        "ftp://127.0.0.1",
        "https://user:pw@example.com",
        "https://example.com/path",
        "https://example.com?x=1",
        "https://",
        "postgres.example.com",
    ],
)
def test_refused_endpoints(url: str) -> None:
    with pytest.raises(FatalRotationError) as raised:
        checked_endpoint(url, "X_ENDPOINT_URL")
    assert raised.value.code == "InvalidConfiguration"
    assert "X_ENDPOINT_URL" in str(raised.value)
