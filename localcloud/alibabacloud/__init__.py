"""Alibaba Cloud stand-ins: the RPC pipeline (api.py), one emulator per product, and STS."""
