"""TencentDB for PostgreSQL through Tencent Cloud API 3.0."""
