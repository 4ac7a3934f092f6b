"""Huawei Cloud stand-ins: the API gateway's signature check, RDS, and STS (IAM5) for keyless access."""
