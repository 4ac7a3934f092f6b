"""Where provider requests go. Only the environment can move them (``*_ENDPOINT_URL``), never the secret, and
only to ``https`` URLs or to loopback (local emulators).
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

from .errors import own


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=32)
def checked_endpoint(url: str, variable: str) -> str:
    """``url`` without a trailing slash, if it is an acceptable base URL; else FatalRotationError. Kept per
    value: the environment gives the same few for the sandbox's life, and parsing an IP address is not free."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise own("InvalidConfiguration", f"{variable} must be scheme://host[:port]")
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise own("InvalidConfiguration", f"{variable} must use https (http only for loopback hosts)")
    return f"{parts.scheme}://{parts.netloc}"
