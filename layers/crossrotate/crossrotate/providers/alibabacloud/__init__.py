"""Alibaba Cloud's providers (ApsaraDB RDS, PolarDB) through its OpenAPI (RPC style, V3 or v1 signatures)."""

SIGNATURE_VARIABLE = "ALIBABACLOUD_SIGNATURE_VERSION"
"""The cloud's one option: ``v3`` (``ACS3-HMAC-SHA256``, the current SDKs') or ``v1`` (RPC ``HMAC-SHA1``, the
older SDKs')."""
