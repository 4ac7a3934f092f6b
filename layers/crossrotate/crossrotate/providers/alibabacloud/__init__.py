"""ApsaraDB RDS through the Alibaba Cloud OpenAPI (RPC style, V3 or v1 signatures)."""
