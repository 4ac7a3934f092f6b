"""What every Tencent Cloud API 3.0 service shares and is cheap to import: the cloud's environment variables, its
API key secret, and keyless access through its STS. The error codes every service shares are in :mod:`.codes`.
"""

from __future__ import annotations

import re

from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest, Cloud
from .codes import EXPIRED_SESSION


def assume_role(request: AssumeRoleRequest) -> ApiCredentials:
    """STS ``AssumeRoleWithWebIdentity``; the client is imported on first use."""
    from .sts import assume_role_with_web_identity

    return assume_role_with_web_identity(request)


CLOUD = Cloud(
    name="tencentcloud",
    variable_prefix="TENCENTCLOUD",
    key_label="Tencent Cloud API key",
    key_fields=("secret_id", "secret_key", "token"),
    identity_provider_variable="TENCENTCLOUD_OIDC_PROVIDER_ID",
    role_arn=re.compile(r"^qcs::cam::uin/\d{1,20}:(role/\d{1,30}|roleName/[\w+=,.@-]{1,128})$", re.ASCII),
    identity_provider=re.compile(r"^[\w+=,.@-]{1,128}$", re.ASCII),
    assume_role=assume_role,
    expired_session_code=EXPIRED_SESSION,
)
