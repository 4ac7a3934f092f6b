"""Cross-cloud database password rotation for AWS Secrets Manager; the providers are listed in registry.py."""

__version__ = "0.1.0"
