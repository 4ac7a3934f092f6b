"""Huawei Cloud: its AK/SK request signature (SDK-HMAC-SHA256), held to huaweicloudsdkcore's own vectors."""
