"""Tair and ApsaraDB for Redis (``alibabacloud-redis``): Alibaba Cloud OpenAPI, product ``R-kvstore`` 2015-01-01
(RPC style), instances ``r-…``.

The password is set with ``ResetAccountPassword`` (``InstanceId``, ``AccountName``, ``AccountPassword``; no old
password needed; Redis 4.0 or later). It answers a ``RequestId`` alone, and the change is applied after it:
the official Terraform provider reads ``DescribeAccounts`` until the account is ``Available`` again, and so does
the client (an ``Unavailable`` account is taken for one being changed). The default account is named after the
instance (``r-…``, or ``default`` on some instances) and is reset the same way.

Login: custom accounts authenticate as ``AUTH <account>:<password>``, the default account with its password
alone (alibabacloud.com/help/en/redis/user-guide/create-and-manage-database-accounts): the secret's
``redis_auth`` default, ``user:password``; ``acl`` (``AUTH <account> <password>``) also works on Redis 6 and later
instances ("username and password login", help.aliyun.com/en/redis/user-guide/logon-methods).

Error codes: the five of the ResetAccountPassword page (help.aliyun.com/zh/redis/developer-reference/
api-r-kvstore-2015-01-01-resetaccountpassword-redis, and the API's metadata); DescribeAccounts documents none.
Then those documented for the product's sibling account actions (DeleteAccount, GrantAccountPrivilege) that a
reset can meet, and the ones the official Terraform provider (terraform-provider-alicloud
``service_alicloud_r_kvstore.go``) treats as not found or retries for R-kvstore. The gateway's common codes come
from :mod:`..codes`.
"""

from __future__ import annotations

import re

from ....errors import FATAL, RETRYABLE, Entry
from ....passwords import PasswordPolicy
from ....provider import ProviderSpec
from ....secret import Field
from ..cloud import CLOUD
from ..codes import error_table

NAME = "alibabacloud-redis"

RESET_ACCOUNT_PASSWORD: dict[str, Entry] = {
    "InvalidAccountName.Duplicate": (
        FATAL,
        "The account name already exists in this instance. Judgement: documented for this action though it reads "
        "as CreateAccount's; the same request fails again",
    ),
    "InvalidAccountName.Format": (FATAL, "The account name is not valid"),
    "InvalidEngineVersion.Format": (
        FATAL,
        "The instance's engine version does not support the operation: accounts need Redis 4.0 or later",
    ),
    "InvalidAccountPassword.Format": (FATAL, "The account password is not valid"),
    "TaskExists": (
        RETRYABLE,
        "A task already exists on the instance. Judgement: it ends by itself; one that lasts reaches the alarm",
    ),
}

DOCUMENTED_ELSEWHERE: dict[str, Entry] = {
    "InvalidAccountName.NotFound": (FATAL, "The account does not exist (DeleteAccount, GrantAccountPrivilege)"),
    "OperationDenied.AccountStatus": (
        RETRYABLE,
        "The account's status does not allow the operation (DeleteAccount). Judgement: an account being changed "
        "(Unavailable, a reset still applying) becomes Available again",
    ),
    "IncorrectAccount": (FATAL, "The instance's account does not support the operation (GrantAccountPrivilege)"),
    "IncorrectMinorVersion": (
        FATAL,
        "The engine's minor version does not support the operation (GrantAccountPrivilege): upgrade it",
    ),
    "InvalidInstanceId.NotFound": (
        FATAL,
        "The instance does not exist (Terraform's not-found for DescribeAccounts): check instance_id and region",
    ),
    "IncorrectDBInstanceState": (
        RETRYABLE,
        "The instance's state does not allow the operation (Terraform retries it). Judgement: an instance in a "
        "change returns to Normal",
    ),
    "LockTimeout": (RETRYABLE, "A lock timed out (Terraform retries it for DescribeAccounts)"),
}

CODES: dict[str, Entry] = {**DOCUMENTED_ELSEWHERE, **RESET_ACCOUNT_PASSWORD}

SPEC = ProviderSpec(
    name=NAME,
    title="Tair / ApsaraDB for Redis (`r-…`, custom accounts and the default one)",
    reset_mode="synchronous, applied when the account is `Available` again",
    cloud=CLOUD,
    service="KVSTORE",
    instance_id=re.compile(r"^r-[a-z0-9]{4,40}$"),
    # ResetAccountPasswordRequest.AccountPassword (alibabacloud-r-kvstore20150101 7.0.0): 8-32 characters, at least
    # three of upper case, lower case, digits and !@#$%^&*()_+-= (no :, the separator of "account:password").
    password_policy=PasswordPolicy(
        name=NAME, min_length=8, max_length=32, symbols="!@#$%^&*()_+-=", classes_required=3
    ),
    errors=error_table(NAME, CODES),
    engine="redis",
    client_class=f"{__name__}.client:AlibabaRedisApi",
    fields={
        "redis_auth": Field(
            pattern=re.compile(r"^(user:password|user@password|acl)$"),
            default="user:password",
            meaning="a Redis AUTH form: user:password (the instance's proxy), acl or user@password",
        )
    },
    actions=("kvstore:ResetAccountPassword", "kvstore:DescribeAccounts"),
)
