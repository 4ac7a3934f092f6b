"""What every Alibaba Cloud OpenAPI (RPC) product shares and is cheap to import: the cloud's environment
variables, its AccessKey secret, and keyless access through its STS. The error codes every product shares are in
:mod:`.codes`.
"""

from __future__ import annotations

import re

from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest, Cloud
from . import SIGNATURE_VARIABLE
from .codes import EXPIRED_SESSION


def assume_role(request: AssumeRoleRequest) -> ApiCredentials:
    """STS ``AssumeRoleWithOIDC``; the client is imported on first use."""
    from .sts import assume_role_with_oidc

    return assume_role_with_oidc(request)


CLOUD = Cloud(
    name="alibabacloud",
    variable_prefix="ALIBABACLOUD",
    key_label="Alibaba Cloud AccessKey",
    key_fields=("access_key_id", "access_key_secret", "security_token"),
    identity_provider_variable="ALIBABACLOUD_OIDC_PROVIDER_ARN",
    role_arn=re.compile(r"^acs:ram::\d{1,20}:role/[A-Za-z0-9.@_-]{1,64}$"),
    identity_provider=re.compile(r"^acs:ram::\d{1,20}:oidc-provider/[A-Za-z0-9._-]{1,128}$"),
    assume_role=assume_role,
    expired_session_code=EXPIRED_SESSION,
    options=((SIGNATURE_VARIABLE, ("v3", "v1")),),
)
