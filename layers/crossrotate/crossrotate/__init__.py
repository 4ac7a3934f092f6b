"""Cross-cloud database password rotation for AWS Secrets Manager (TencentDB for PostgreSQL, ApsaraDB RDS)."""

__version__ = "0.1.0"
