"""What every Huawei Cloud service shares and is cheap to import: the cloud's environment variables, its access key
secret, and keyless access through its STS (IAM's new edition, "IAM5"). The error codes every service shares are
in :mod:`.codes`.

- The access key secret: ``{"access_key", "secret_key", "security_token"?}`` (an AK/SK pair, or a temporary one
  with its security token, as huaweicloudsdkcore's ``BasicCredentials(ak, sk).with_security_token(...)`` takes
  them).
- ``HUAWEICLOUD_ROLE_ARN`` holds the URN of the trust agency keyless access assumes, ``iam::<account_id>:agency:
  <name>`` (usermanual-iam5/iam_01_1275.html, "Using URNs to Identify Huawei Cloud Resources"; the name's characters
  are CreateAgencyV5's: letters, digits and ``_+=,.@-``, 1 to 64, huaweicloudsdkiam 3.1.219
  ``v5/model/create_agency_req_body.py``).
- ``HUAWEICLOUD_OIDC_PROVIDER_URN`` (the name huaweicloudsdkcore's ``OidcStsCredentialProvider`` reads too) holds
  the URN of the OIDC provider the agency trusts, as CreateOIDCProviderV5 answers it (``oidc_provider.urn``). The
  form is ``iam::<account_id>:identity-provider:<name>``; the type segment is not spelt out in any source available
  here (huaweicloudsdksts 3.1.219 ``assume_agency_with_oidc_req_body.py`` gives only the grammar: five
  ``:``-separated segments), so any type word but ``agency`` is accepted and the name must be a provider name
  (letters, digits, ``_`` and ``-``, 1 to 64: ``create_oidc_provider_req_body.py``). Copy the URN the console or
  the API shows.
"""

from __future__ import annotations

import re

from ...ports import ApiCredentials
from ...provider import AssumeRoleRequest, Cloud
from .codes import EXPIRED_SESSION


def assume_role(request: AssumeRoleRequest) -> ApiCredentials:
    """STS ``AssumeAgencyWithOIDC``; the client is imported on first use."""
    from .sts import assume_agency_with_oidc

    return assume_agency_with_oidc(request)


CLOUD = Cloud(
    name="huaweicloud",
    variable_prefix="HUAWEICLOUD",
    key_label="Huawei Cloud access key",
    key_fields=("access_key", "secret_key", "security_token"),
    identity_provider_variable="HUAWEICLOUD_OIDC_PROVIDER_URN",
    role_arn=re.compile(r"^iam::[A-Za-z0-9]{1,64}:agency:[A-Za-z0-9_+=,.@-]{1,64}$"),
    identity_provider=re.compile(r"^iam::[A-Za-z0-9]{1,64}:(?!agency:)[a-z][a-z-]{0,63}:[A-Za-z0-9_-]{1,64}$"),
    assume_role=assume_role,
    expired_session_code=EXPIRED_SESSION,
)
