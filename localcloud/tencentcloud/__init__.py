"""Tencent Cloud stand-ins: the API 3.0 pipeline (api.py), one emulator per service, and STS."""
